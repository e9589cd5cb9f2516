DROP INDEX "identity"."users_email_key";--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "identity"."users" USING btree (lower("email"));