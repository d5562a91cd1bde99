{{ config(materialized='table') }}
select
    customer_id,
    gender,
    location,
    tenure_months as customer_tenure_months,
    round(tenure_months / 12.0, 2) as customer_tenure_years,
    case
        when tenure_months < 6 then 'New Customer'
        when tenure_months <= 12 then 'Developing Customer'
        when tenure_months <= 24 then 'Established Customer'
        else 'Loyal Customer'
    end as customer_segment
from {{ ref('stg_customers') }}
