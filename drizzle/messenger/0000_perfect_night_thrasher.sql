CREATE SCHEMA "messenger";
--> statement-breakpoint
CREATE TABLE "messenger"."chats" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messenger"."members" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "messenger"."members_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"chat_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"user_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messenger"."messages" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "messenger"."messages_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"chat_id" uuid NOT NULL,
	"member_id" bigint NOT NULL,
	"text" text NOT NULL,
	"tsv" "tsvector" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messenger"."search_hits" (
	"task_id" uuid NOT NULL,
	"message_id" bigint NOT NULL,
	"chat_id" uuid NOT NULL,
	"text" text NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "search_hits_task_id_message_id_pk" PRIMARY KEY("task_id","message_id")
);
--> statement-breakpoint
CREATE TABLE "messenger"."search_tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"query" text NOT NULL,
	"status" text DEFAULT 'WAITING' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "messenger"."members" ADD CONSTRAINT "members_chat_id_chats_id_fk" FOREIGN KEY ("chat_id") REFERENCES "messenger"."chats"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messenger"."messages" ADD CONSTRAINT "messages_chat_id_chats_id_fk" FOREIGN KEY ("chat_id") REFERENCES "messenger"."chats"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messenger"."search_hits" ADD CONSTRAINT "search_hits_task_id_search_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "messenger"."search_tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "members_chat_user_idx" ON "messenger"."members" USING btree ("chat_id","user_id");--> statement-breakpoint
CREATE INDEX "members_user_idx" ON "messenger"."members" USING btree ("user_id","chat_id");--> statement-breakpoint
CREATE INDEX "messages_chat_id_idx" ON "messenger"."messages" USING btree ("chat_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "messages_tsv_idx" ON "messenger"."messages" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "search_tasks_expires_idx" ON "messenger"."search_tasks" USING btree ("expires_at");