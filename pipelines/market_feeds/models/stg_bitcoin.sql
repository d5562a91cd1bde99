{{ config(materialized='incremental', unique_key='id') }}
-- Each polled price with its volatility band and the price before it.
-- previous_price is computed over all raw rows, so the first new row of an
-- incremental run still sees the last price already stored.
with prices as (
    select
        id,
        source,
        price,
        change_24h,
        event_timestamp,
        ingestion_timestamp,
        lag(price) over (order by event_timestamp, id) as previous_price
    from {{ source('raw', 'bitcoin_prices_raw') }}
)
select
    id,
    source,
    price,
    change_24h,
    case
        when abs(change_24h) >= 5 then 'HIGH_VOLATILITY'
        when abs(change_24h) >= 2 then 'MEDIUM_VOLATILITY'
        else 'LOW_VOLATILITY'
    end as volatility_category,
    previous_price,
    price is not null and price > 0 and event_timestamp is not null as is_valid_record,
    event_timestamp,
    ingestion_timestamp,
    clock_timestamp() as staged_at   -- when this row reached the model: poll → staging latency
from prices
{% if is_incremental() %}
where not exists (select 1 from {{ this }} t where t.id = prices.id)
{% endif %}
