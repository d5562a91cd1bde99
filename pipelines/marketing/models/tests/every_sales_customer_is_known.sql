-- Customers who bought but are not in the customer extract.
select distinct s.customer_id
from {{ ref('fct_sales') }} s
left join {{ ref('dim_customer') }} c on c.customer_id = s.customer_id
where c.customer_id is null
