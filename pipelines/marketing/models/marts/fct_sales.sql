{{ config(materialized='incremental', unique_key=['transaction_id', 'line_number']) }}
-- One row per sales line, with the money rules of the reference, each amount
-- rounded half-up to the cent on its own line, in this order:
--   gross    = round(quantity × avg_price)
--   discount = round(gross × pct / 100), only when the coupon was Used, at the
--              coupon's pct for the line's category AND month
--   net      = gross − discount
--   gst      = round(net × GST fraction)      (the fraction is already 0.18)
--   total    = net + gst + delivery
with lines as (
    select
        s.*,
        round(s.quantity * s.avg_price, 2) as gross_sales_amount,
        case when s.coupon_status = 'Used' then coalesce(c.discount_pct, 0) else 0 end as discount_percentage,
        coalesce(t.gst, 0) as gst_fraction
    from {{ ref('stg_online_sales') }} s
    left join {{ ref('stg_discount_coupon') }} c
        on c.product_category = s.product_category
       and c.month_number = extract(month from s.transaction_date)
    left join {{ ref('stg_tax_amount') }} t on t.product_category = s.product_category
    {% if is_incremental() %}
    where s.transaction_date > (select coalesce(max(transaction_date), '1900-01-01'::date) from {{ this }})
    {% endif %}
),
discounted as (
    select *, round(gross_sales_amount * discount_percentage / 100.0, 2) as discount_amount
    from lines
),
netted as (
    select *, gross_sales_amount - discount_amount as net_sales_amount
    from discounted
),
taxed as (
    select *, round(net_sales_amount * gst_fraction, 2) as gst_amount
    from netted
)
select
    transaction_id,
    line_number,
    customer_id,
    product_sku,
    transaction_date,
    quantity,
    avg_price,
    delivery_charges,
    coupon_status,
    gross_sales_amount::numeric(14, 2) as gross_sales_amount,
    discount_percentage,
    discount_amount::numeric(14, 2) as discount_amount,
    net_sales_amount::numeric(14, 2) as net_sales_amount,
    gst_amount::numeric(14, 2) as gst_amount,
    (net_sales_amount + gst_amount + delivery_charges)::numeric(14, 2) as total_amount,
    case
        when gross_sales_amount < 50 then 'Small'
        when gross_sales_amount < 200 then 'Medium'
        when gross_sales_amount < 500 then 'Large'
        else 'Extra Large'
    end as sale_size_category
from taxed
