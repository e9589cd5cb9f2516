CREATE SCHEMA "admin";
--> statement-breakpoint
CREATE TABLE "admin"."audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "admin"."audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" uuid NOT NULL,
	"username" text NOT NULL,
	"module" text NOT NULL,
	"resource" text NOT NULL,
	"record_id" text NOT NULL,
	"action" text NOT NULL,
	"changes" jsonb NOT NULL,
	"ip" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_log_username_idx" ON "admin"."audit_log" USING btree ("username","id");--> statement-breakpoint
CREATE INDEX "audit_log_resource_idx" ON "admin"."audit_log" USING btree ("resource","id");--> statement-breakpoint
CREATE INDEX "audit_log_module_idx" ON "admin"."audit_log" USING btree ("module","id");