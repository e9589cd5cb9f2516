-- Usernames become unique case-insensitively. Accounts that differ from an older one only in case are renamed
-- to <name>-<their id> first, so the unique index can be built on any existing data.
UPDATE "identity"."users" u SET "username" = u."username" || '-' || u."id"::text
WHERE EXISTS (
  SELECT 1 FROM "identity"."users" o
  WHERE lower(o."username") = lower(u."username") AND (o."created_at", o."id") < (u."created_at", u."id")
);--> statement-breakpoint
DROP INDEX "identity"."users_username_key";--> statement-breakpoint
DROP INDEX "identity"."users_search_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_ci_key" ON "identity"."users" USING btree (lower("username"));
