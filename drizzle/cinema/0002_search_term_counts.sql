ALTER TABLE "cinema"."search_terms" ADD COLUMN "docs" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "cinema"."search_terms" s SET "docs" = c.n FROM (SELECT w, count(*) AS n FROM "cinema"."films" f, unnest(tsvector_to_array(f.search)) w GROUP BY w) c WHERE c.w = s.term;
