CREATE SCHEMA "files";
--> statement-breakpoint
CREATE TABLE "files"."files" (
	"id" uuid PRIMARY KEY NOT NULL,
	"short_name" text NOT NULL,
	"bucket" text NOT NULL,
	"path_in_storage" text NOT NULL,
	"filename" text NOT NULL,
	"size" bigint NOT NULL,
	"file_type" text NOT NULL,
	"sha256" text NOT NULL,
	"owner_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "files_short_name_key" ON "files"."files" USING btree ("short_name");--> statement-breakpoint
CREATE UNIQUE INDEX "files_path_key" ON "files"."files" USING btree ("path_in_storage");--> statement-breakpoint
CREATE INDEX "files_owner_idx" ON "files"."files" USING btree ("owner_id");