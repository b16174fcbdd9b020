INSERT OR REPLACE INTO shops VALUES ($shop_id, $name, $currency, $timezone, $level, $reseller_id, now())
