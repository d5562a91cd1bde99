select
    date as spend_date,
    offline_spend,
    online_spend,
    offline_spend + online_spend as total_spend
from {{ source('raw', 'marketing_spend') }}
