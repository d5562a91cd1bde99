-- GST is already a fraction (0.18 means 18 %): never divide it by 100 again.
select
    product_category,
    gst
from {{ source('raw', 'tax_amount') }}
