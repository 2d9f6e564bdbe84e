-- description: one row per customer of the order feed: order count, completed spend, first and last order
-- primaryKey: customer_id
-- refresh: upsert
-- A data transform: Spark SQL over the tenant's DLOs (by stream name) and DMOs, materialized as the DLO
-- demo_dlo.customer_orders, which mappings.yaml could map onto a DMO like any other. Run by the pipeline's
-- transform stage (scripts/lakecdp-submit transform --tenant demo), skipped when orders did not change.
SELECT customer_id,
       COUNT(*)                                                              AS order_count,
       COUNT_IF(status = 'completed')                                        AS completed_orders,
       COALESCE(SUM(CASE WHEN status = 'completed' THEN total_amount END), 0) AS completed_spend,
       MIN(order_ts)                                                         AS first_order_at,
       MAX(order_ts)                                                         AS last_order_at
FROM orders
WHERE customer_id IS NOT NULL
GROUP BY customer_id
