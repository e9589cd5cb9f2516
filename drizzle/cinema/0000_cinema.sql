CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;--> statement-breakpoint
CREATE SCHEMA "cinema";
--> statement-breakpoint
CREATE TABLE "cinema"."bookmarks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"film_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cinema"."events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "cinema"."events_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"user_id" uuid NOT NULL,
	"film_id" uuid NOT NULL,
	"progress" integer NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cinema"."film_genres" (
	"film_id" uuid NOT NULL,
	"genre_id" uuid NOT NULL,
	"film_rating" double precision,
	CONSTRAINT "film_genres_film_id_genre_id_pk" PRIMARY KEY("film_id","genre_id")
);
--> statement-breakpoint
CREATE TABLE "cinema"."film_persons" (
	"film_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"role" text NOT NULL,
	CONSTRAINT "film_persons_film_id_person_id_role_pk" PRIMARY KEY("film_id","person_id","role")
);
--> statement-breakpoint
CREATE TABLE "cinema"."films" (
	"id" uuid PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"creation_date" date,
	"rating" double precision,
	"type" text DEFAULT 'movie' NOT NULL,
	"file" text,
	"title_folded" text NOT NULL,
	"description_folded" text,
	"search" "tsvector" NOT NULL,
	"user_sum" integer DEFAULT 0 NOT NULL,
	"user_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cinema"."genres" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cinema"."persons" (
	"id" uuid PRIMARY KEY NOT NULL,
	"full_name" text NOT NULL,
	"gender" text,
	"name_folded" text NOT NULL,
	"search" "tsvector" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cinema"."ratings" (
	"user_id" uuid NOT NULL,
	"film_id" uuid NOT NULL,
	"rating" smallint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ratings_user_id_film_id_pk" PRIMARY KEY("user_id","film_id")
);
--> statement-breakpoint
CREATE TABLE "cinema"."review_reactions" (
	"review_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"agree" boolean NOT NULL,
	CONSTRAINT "review_reactions_review_id_user_id_pk" PRIMARY KEY("review_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "cinema"."reviews" (
	"id" uuid PRIMARY KEY NOT NULL,
	"film_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"review" text NOT NULL,
	"likes" integer DEFAULT 0 NOT NULL,
	"dislikes" integer DEFAULT 0 NOT NULL,
	"helpfulness" double precision DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cinema"."search_terms" (
	"term" text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cinema"."bookmarks" ADD CONSTRAINT "bookmarks_film_id_films_id_fk" FOREIGN KEY ("film_id") REFERENCES "cinema"."films"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cinema"."film_genres" ADD CONSTRAINT "film_genres_film_id_films_id_fk" FOREIGN KEY ("film_id") REFERENCES "cinema"."films"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cinema"."film_genres" ADD CONSTRAINT "film_genres_genre_id_genres_id_fk" FOREIGN KEY ("genre_id") REFERENCES "cinema"."genres"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cinema"."film_persons" ADD CONSTRAINT "film_persons_film_id_films_id_fk" FOREIGN KEY ("film_id") REFERENCES "cinema"."films"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cinema"."film_persons" ADD CONSTRAINT "film_persons_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "cinema"."persons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cinema"."ratings" ADD CONSTRAINT "ratings_film_id_films_id_fk" FOREIGN KEY ("film_id") REFERENCES "cinema"."films"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cinema"."review_reactions" ADD CONSTRAINT "review_reactions_review_id_reviews_id_fk" FOREIGN KEY ("review_id") REFERENCES "cinema"."reviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cinema"."reviews" ADD CONSTRAINT "reviews_film_id_films_id_fk" FOREIGN KEY ("film_id") REFERENCES "cinema"."films"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "bookmarks_user_film_idx" ON "cinema"."bookmarks" USING btree ("user_id","film_id");--> statement-breakpoint
CREATE INDEX "events_user_film_idx" ON "cinema"."events" USING btree ("user_id","film_id","occurred_at" DESC NULLS LAST,"seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "film_genres_desc_idx" ON "cinema"."film_genres" USING btree ("genre_id","film_rating" DESC NULLS LAST,"film_id");--> statement-breakpoint
CREATE INDEX "film_genres_asc_idx" ON "cinema"."film_genres" USING btree ("genre_id","film_rating","film_id");--> statement-breakpoint
CREATE INDEX "film_persons_person_idx" ON "cinema"."film_persons" USING btree ("person_id","film_id");--> statement-breakpoint
CREATE INDEX "films_rating_desc_idx" ON "cinema"."films" USING btree ("rating" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "films_rating_asc_idx" ON "cinema"."films" USING btree ("rating","id");--> statement-breakpoint
CREATE INDEX "films_search_idx" ON "cinema"."films" USING gin ("search");--> statement-breakpoint
CREATE INDEX "persons_search_idx" ON "cinema"."persons" USING gin ("search");--> statement-breakpoint
CREATE INDEX "ratings_film_idx" ON "cinema"."ratings" USING btree ("film_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_film_user_idx" ON "cinema"."reviews" USING btree ("film_id","user_id");--> statement-breakpoint
CREATE INDEX "reviews_film_rank_idx" ON "cinema"."reviews" USING btree ("film_id","helpfulness" DESC NULLS LAST,"created_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "reviews_user_idx" ON "cinema"."reviews" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "search_terms_length_idx" ON "cinema"."search_terms" USING btree (length("term"));