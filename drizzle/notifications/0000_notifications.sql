CREATE SCHEMA "notifications";
--> statement-breakpoint
CREATE TABLE "notifications"."captured_mail" (
	"id" uuid PRIMARY KEY NOT NULL,
	"delivery_id" uuid,
	"to" text NOT NULL,
	"subject" text NOT NULL,
	"html" text NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications"."deliveries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"occurrence_id" uuid NOT NULL,
	"notification_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"status" text NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"deliver_after" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications"."digests" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"pending" integer DEFAULT 0 NOT NULL,
	"chat_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"last_sent_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications"."known_devices" (
	"user_id" uuid NOT NULL,
	"device" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "known_devices_user_id_device_pk" PRIMARY KEY("user_id","device")
);
--> statement-breakpoint
CREATE TABLE "notifications"."notifications" (
	"id" uuid PRIMARY KEY NOT NULL,
	"template_id" uuid,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"channel" text NOT NULL,
	"cron" text,
	"next_send" timestamp with time zone,
	"distribution" jsonb NOT NULL,
	"urgent" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications"."occurrences" (
	"id" uuid PRIMARY KEY NOT NULL,
	"notification_id" uuid NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"recipients" integer DEFAULT 0 NOT NULL,
	"cursor" uuid,
	"dispatched_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "notifications"."preferences" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"quiet_start" text,
	"quiet_end" text,
	"channels_off" text[] DEFAULT '{}'::text[] NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications"."produced" (
	"key" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications"."templates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notifications"."deliveries" ADD CONSTRAINT "deliveries_occurrence_id_occurrences_id_fk" FOREIGN KEY ("occurrence_id") REFERENCES "notifications"."occurrences"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications"."occurrences" ADD CONSTRAINT "occurrences_notification_id_notifications_id_fk" FOREIGN KEY ("notification_id") REFERENCES "notifications"."notifications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "captured_mail_created_idx" ON "notifications"."captured_mail" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "captured_mail_to_idx" ON "notifications"."captured_mail" USING btree ("to","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_once_key" ON "notifications"."deliveries" USING btree ("occurrence_id","user_id","channel");--> statement-breakpoint
CREATE INDEX "deliveries_user_idx" ON "notifications"."deliveries" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "deliveries_notification_idx" ON "notifications"."deliveries" USING btree ("notification_id","status");--> statement-breakpoint
CREATE INDEX "deliveries_notification_time_idx" ON "notifications"."deliveries" USING btree ("notification_id","created_at","id");--> statement-breakpoint
CREATE INDEX "digests_pending_idx" ON "notifications"."digests" USING btree ("last_sent_at") WHERE pending > 0;--> statement-breakpoint
CREATE INDEX "notifications_created_idx" ON "notifications"."notifications" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "occurrences_notification_due_key" ON "notifications"."occurrences" USING btree ("notification_id","due_at");--> statement-breakpoint
CREATE INDEX "occurrences_due_idx" ON "notifications"."occurrences" USING btree ("due_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "templates_created_idx" ON "notifications"."templates" USING btree ("created_at","id");