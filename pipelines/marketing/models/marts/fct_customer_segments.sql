{{ config(materialized='table') }}
-- One row per customer who bought: totals, recency and the RFM segment from
-- the train_segments task. Recency is measured from the data's snapshot date
-- (the last transaction date + 1 day), never from today, so a rerun gives
-- the same table.
with snapshot as (
    select max(transaction_date) + 1 as snapshot_date from {{ ref('fct_sales') }}
),
orders as (
    select
        customer_id,
        count(distinct transaction_id) as total_orders,
        sum(quantity) as total_quantity,
        sum(total_amount) as total_revenue,
        min(transaction_date) as first_purchase_date,
        max(transaction_date) as last_purchase_date
    from {{ ref('fct_sales') }}
    group by customer_id
)
select
    o.customer_id,
    c.location,
    c.gender,
    c.customer_tenure_months,
    s.segment_id,
    s.segment_name,
    o.total_orders,
    o.total_quantity,
    o.total_revenue,
    o.first_purchase_date,
    o.last_purchase_date,
    snap.snapshot_date - o.last_purchase_date as days_since_last_purchase,
    o.last_purchase_date - o.first_purchase_date as customer_lifetime_days,
    round(o.total_revenue / nullif(o.total_orders, 0), 2) as avg_order_value,
    case
        when snap.snapshot_date - o.last_purchase_date <= 30 then 'Active'
        when snap.snapshot_date - o.last_purchase_date <= 90 then 'Recent'
        when snap.snapshot_date - o.last_purchase_date <= 180 then 'Dormant'
        else 'Inactive'
    end as activity_status
from orders o
cross join snapshot snap
left join {{ ref('dim_customer') }} c on c.customer_id = o.customer_id
left join {{ source('analytics', 'customer_segments') }} s on s.customer_id = o.customer_id
