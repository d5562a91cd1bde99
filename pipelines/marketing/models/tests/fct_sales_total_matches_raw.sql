-- The sum of total_amount equals the same rules computed straight from the
-- raw tables (coupon by category and month, GST as a fraction).
with raw_lines as (
    select
        round(o.quantity * o.avg_price, 2) as gross,
        case when o.coupon_status = 'Used' then coalesce(c.discount_pct, 0) else 0 end as pct,
        coalesce(t.gst, 0) as gst,
        o.delivery_charges
    from {{ source('raw', 'online_sales') }} o
    left join {{ source('raw', 'discount_coupon') }} c
        on c.product_category = o.product_category
       and c.month = to_char(o.transaction_date, 'Mon')
    left join {{ source('raw', 'tax_amount') }} t on t.product_category = o.product_category
),
raw_total as (
    select sum(gross - round(gross * pct / 100.0, 2)
               + round((gross - round(gross * pct / 100.0, 2)) * gst, 2)
               + delivery_charges) as total
    from raw_lines
),
fact_total as (
    select sum(total_amount) as total from {{ ref('fct_sales') }}
)
select r.total as raw_total, f.total as fct_total
from raw_total r, fact_total f
where r.total is distinct from f.total
