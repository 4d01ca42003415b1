import type { Migration } from "../runtime/migrations";

// Shared by product v1 and v2: v1 simply never reads the ratings.
export const migrations: readonly Migration[] = [
    {
        version: 1,
        name: "catalogue",
        sql: `
            CREATE TABLE products (
                id text PRIMARY KEY,
                name text NOT NULL,
                description text NOT NULL,
                price integer NOT NULL CHECK (price > 0),
                currency text NOT NULL DEFAULT 'EUR'
            );
            INSERT INTO products (id, name, description, price) VALUES
                ('1', 'Espresso beans 1 kg', 'Dark roast, whole beans', 999),
                ('2', 'Pour-over kettle', 'Gooseneck, 1 l, stainless steel', 3499),
                ('3', 'Burr grinder', 'Conical burrs, 40 settings', 8999),
                ('4', 'Ceramic mug', '350 ml, dishwasher safe', 1299),
                ('5', 'Paper filters', 'Pack of 100, size 02', 499),
                ('6', 'Milk frother', 'Handheld, battery powered', 1999),
                ('7', 'Digital scale', '0.1 g resolution, built-in timer', 2499),
                ('8', 'Cold brew jar', '1.5 l glass with mesh filter', 2799),
                ('9', 'Tamper', '58 mm, walnut handle', 1899),
                ('10', 'Descaler', 'Citric acid, 4 uses', 799),
                ('11', 'Travel cup', 'Insulated, 400 ml', 2199),
                ('12', 'Decaf beans 500 g', 'Swiss water process', 1149);
        `,
    },
    {
        version: 2,
        name: "ratings",
        sql: `
            CREATE TABLE ratings (
                id bigserial PRIMARY KEY,
                product_id text NOT NULL REFERENCES products (id),
                stars integer NOT NULL CHECK (stars BETWEEN 1 AND 5),
                comment text NOT NULL DEFAULT '',
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX ratings_by_product ON ratings (product_id);
            INSERT INTO ratings (product_id, stars, comment) VALUES
                ('1', 5, 'Rich and smooth'), ('1', 4, 'Great value'), ('2', 5, 'Perfect pour'),
                ('3', 4, 'Consistent grind'), ('4', 3, 'A bit small'), ('7', 5, 'Accurate');
        `,
    },
    {
        version: 3,
        name: "notify catalogue changes",
        // Every write to the catalogue, from any replica or by hand, tells every replica's
        // snapshot to reload (see runtime/snapshot.ts); NOTIFY is delivered on commit.
        sql: `
            CREATE FUNCTION notify_catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('product_catalogue', TG_TABLE_NAME);
                RETURN NULL;
            END $$;
            CREATE TRIGGER products_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON products
                FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_changed();
            CREATE TRIGGER ratings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ratings
                FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_changed();
        `,
    },
    {
        version: 4,
        name: "rating totals per product",
        // A rating used to reload the whole catalogue with an aggregate over every rating. Now a
        // row trigger keeps each product's count and sum, in the rating's transaction, and
        // notifies 'rating:<product id>' so replicas rebuild that product alone. pg_notify sends
        // one of equal payloads per transaction; TRUNCATE (no row triggers) still reloads all.
        sql: `
            CREATE TABLE rating_totals (
                product_id text PRIMARY KEY REFERENCES products (id),
                count integer NOT NULL CHECK (count >= 0),
                stars bigint NOT NULL CHECK (stars >= 0)
            );
            INSERT INTO rating_totals (product_id, count, stars)
                SELECT product_id, count(*), sum(stars) FROM ratings GROUP BY product_id;
            -- SET search_path FROM CURRENT: the trigger finds rating_totals in this schema
            -- whoever writes the rating (a psql session has another search_path).
            CREATE FUNCTION count_rating() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            BEGIN
                IF TG_OP IN ('DELETE', 'UPDATE') THEN
                    UPDATE rating_totals SET count = count - 1, stars = stars - OLD.stars WHERE product_id = OLD.product_id;
                    PERFORM pg_notify('product_catalogue', 'rating:' || OLD.product_id);
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    INSERT INTO rating_totals (product_id, count, stars) VALUES (NEW.product_id, 1, NEW.stars)
                        ON CONFLICT (product_id) DO UPDATE SET count = rating_totals.count + 1, stars = rating_totals.stars + NEW.stars;
                    PERFORM pg_notify('product_catalogue', 'rating:' || NEW.product_id);
                END IF;
                RETURN NULL;
            END $$;
            CREATE FUNCTION reset_rating_totals() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            BEGIN
                DELETE FROM rating_totals;
                PERFORM pg_notify('product_catalogue', TG_TABLE_NAME);
                RETURN NULL;
            END $$;
            DROP TRIGGER ratings_changed ON ratings;
            CREATE TRIGGER rating_counted AFTER INSERT OR UPDATE OR DELETE ON ratings
                FOR EACH ROW EXECUTE FUNCTION count_rating();
            CREATE TRIGGER ratings_truncated AFTER TRUNCATE ON ratings
                FOR EACH STATEMENT EXECUTE FUNCTION reset_rating_totals();
        `,
    },
];
