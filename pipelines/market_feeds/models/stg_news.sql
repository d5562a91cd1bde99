{{ config(materialized='incremental', unique_key='id') }}
-- Business headlines with crypto mentions, source category, length band,
-- a small word-list sentiment score in [-1, 1], and processing delay.
with news as (
    select * from {{ source('raw', 'news_events_raw') }}
    {% if is_incremental() %}
    where not exists (select 1 from {{ this }} t where t.id = news_events_raw.id)
    {% endif %}
),
words as (
    select n.id, w.word
    from news n,
         regexp_split_to_table(lower(coalesce(n.headline, '') || ' ' || coalesce(n.description, '')), '[^a-z]+') as w(word)
),
sentiment as (
    select
        id,
        count(*) filter (where word in ('beats', 'jump', 'jumps', 'rallies', 'rises', 'record', 'surge', 'recover',
                                         'expands', 'raises', 'gains', 'growth', 'strong')) as positive,
        count(*) filter (where word in ('cuts', 'slide', 'slides', 'slips', 'probe', 'halts', 'cools', 'falls',
                                         'losses', 'weak', 'brace', 'climb')) as negative
    from words
    group by id
)
select
    n.id,
    n.source,
    n.headline,
    n.description,
    n.category,
    n.source_name,
    n.url,
    n.published_at,
    n.word_count,
    n.has_crypto_mention,
    (coalesce(n.headline, '') || ' ' || coalesce(n.description, '')) ~* '(bitcoin|crypto)' as explicit_crypto_mention,
    case
        when n.source_name in ('BBC News', 'CNN') then 'BROADCAST'
        when n.source_name = 'Reuters' then 'WIRE_SERVICE'
        else 'OTHER'
    end as source_category,
    case
        when n.word_count >= 10 then 'DETAILED'
        when n.word_count >= 5 then 'MODERATE'
        else 'BRIEF'
    end as headline_length_category,
    round(coalesce((s.positive - s.negative)::numeric / nullif(s.positive + s.negative, 0), 0), 3) as sentiment_score,
    round(extract(epoch from (n.ingestion_timestamp - n.published_at)) / 60.0, 1) as processing_delay_minutes,
    n.event_timestamp,
    n.ingestion_timestamp,
    clock_timestamp() as staged_at   -- when this row reached the model: poll → staging latency
from news n
left join sentiment s on s.id = n.id
