-- One row per customer, as extracted.
select
    customer_id,
    gender,
    location,
    tenure_months
from {{ source('raw', 'customers') }}
