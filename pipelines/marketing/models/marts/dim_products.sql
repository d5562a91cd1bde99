{{ config(materialized='table') }}
-- One row per SKU; a SKU keeps the description and category of its latest sale.
with skus as (
    select distinct on (product_sku)
        product_sku, product_description, product_category
    from {{ ref('stg_online_sales') }}
    order by product_sku, transaction_date desc, transaction_id desc
)
select
    s.product_sku,
    s.product_description,
    s.product_category,
    coalesce(t.gst, 0) as gst_rate,
    case
        when s.product_category in ('Nest-USA', 'Nest-Canada', 'Nest', 'Google', 'Android', 'Waze') then 'Technology'
        when s.product_category in ('Apparel', 'Accessories', 'Headgear') then 'Fashion & Apparel'
        when s.product_category in ('Bags', 'Backpacks', 'More Bags') then 'Bags & Storage'
        when s.product_category in ('Drinkware', 'Bottles', 'Housewares', 'Lifestyle') then 'Lifestyle & Home'
        when s.product_category in ('Office', 'Notebooks & Journals') then 'Office & Stationery'
        when s.product_category in ('Fun', 'Gift Cards') then 'Gifts & Entertainment'
        else 'Other'
    end as product_group
from skus s
left join {{ ref('stg_tax_amount') }} t on t.product_category = s.product_category
