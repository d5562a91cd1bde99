-- fct_sales has exactly the lines of stg_online_sales: none lost, none extra.
select 'missing from fct_sales' as problem, s.transaction_id, s.line_number
from {{ ref('stg_online_sales') }} s
where not exists (select 1 from {{ ref('fct_sales') }} f
                  where f.transaction_id = s.transaction_id and f.line_number = s.line_number)
union all
select 'not a sales line' as problem, f.transaction_id, f.line_number
from {{ ref('fct_sales') }} f
where not exists (select 1 from {{ ref('stg_online_sales') }} s
                  where s.transaction_id = f.transaction_id and s.line_number = f.line_number)
