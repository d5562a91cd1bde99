{{ config(materialized='table') }}
-- One row per day over the data's range.
with bounds as (
    select min(transaction_date) as first_day, max(transaction_date) as last_day
    from {{ ref('stg_online_sales') }}
),
days as (
    select generate_series(first_day, last_day, interval '1 day')::date as date_day from bounds
)
select
    date_day,
    extract(year from date_day)::int as year,
    extract(quarter from date_day)::int as quarter,
    extract(month from date_day)::int as month,
    trim(to_char(date_day, 'Month')) as month_name,
    extract(day from date_day)::int as day,
    extract(isodow from date_day)::int as day_of_week,
    trim(to_char(date_day, 'Day')) as day_name,
    extract(week from date_day)::int as week_of_year,
    to_char(date_day, 'YYYY-MM') as year_month,
    extract(isodow from date_day) in (6, 7) as is_weekend,
    date_day = date_trunc('month', date_day)::date as is_month_start,
    date_day = (date_trunc('month', date_day) + interval '1 month - 1 day')::date as is_month_end
from days
