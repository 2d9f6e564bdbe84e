-- description: spend, orders and recency of each unified individual (completed orders of every source)
-- dimensions: unified_id
-- measures: lifetime_spend, order_count, orders_last_90_days, spend_last_90_days, last_order_at
-- Windows are relative to the newest order in the data, so the demo means the same whenever it runs;
-- a production insight would use current_timestamp().
SELECT l.unified_id,
       SUM(o.TotalAmount)                                                   AS lifetime_spend,
       COUNT(*)                                                             AS order_count,
       COUNT_IF(o.OrderDate >= r.as_of - INTERVAL 90 DAYS)                  AS orders_last_90_days,
       COALESCE(SUM(CASE WHEN o.OrderDate >= r.as_of - INTERVAL 90 DAYS THEN o.TotalAmount END), 0)
                                                                            AS spend_last_90_days,
       MAX(o.OrderDate)                                                     AS last_order_at
FROM SalesOrder o
JOIN UnifiedLinkIndividual l ON l.individual_id = o.PartyId
CROSS JOIN (SELECT MAX(OrderDate) AS as_of FROM SalesOrder) r
WHERE o.OrderStatus = 'completed'
GROUP BY l.unified_id
