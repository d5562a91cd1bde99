-- Every (transaction, line) appears once.
select transaction_id, line_number, count(*) as occurrences
from {{ ref('fct_sales') }}
group by transaction_id, line_number
having count(*) > 1
