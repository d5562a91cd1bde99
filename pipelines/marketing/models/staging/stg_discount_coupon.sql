-- One coupon per month and category; the month as a number too, so facts
-- can join on (category, month) rather than on category alone.
select
    month,
    extract(month from to_date(month, 'Mon'))::int as month_number,
    product_category,
    coupon_code,
    discount_pct,
    month || '|' || product_category as coupon_key
from {{ source('raw', 'discount_coupon') }}
