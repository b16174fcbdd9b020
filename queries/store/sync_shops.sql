-- The configured shops ($shops: {shop_id, name, currency, timezone, level, reseller_id} each),
-- recorded so that analysts can join on names.
INSERT OR REPLACE INTO shops
SELECT shop_id, name, currency, timezone, level, reseller_id, now()
FROM (SELECT unnest(CAST($shops AS STRUCT(shop_id VARCHAR, name VARCHAR, currency VARCHAR, timezone VARCHAR,
                                          level VARCHAR, reseller_id VARCHAR)[]), recursive := true));
