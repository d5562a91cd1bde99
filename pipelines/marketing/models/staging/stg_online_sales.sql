-- One row per sales line. The extract has no line number, so lines are
-- numbered within their transaction in a stable order (identical lines are
-- interchangeable, so their order does not matter).
select
    transaction_id,
    row_number() over (
        partition by transaction_id
        order by product_sku, quantity, avg_price, delivery_charges, coupon_status
    ) as line_number,
    customer_id,
    transaction_date,
    product_sku,
    product_description,
    product_category,
    quantity,
    avg_price,
    delivery_charges,
    coupon_status
from {{ source('raw', 'online_sales') }}
