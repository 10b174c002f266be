## amiable — returns: what each line of an order can still get, and why (the eligibility
## answer of the API and the buyer's order page). `$until` is a date, `$article`
## the article of the Consumer Code that grants the right.

eligibility-exception = Not returnable: an exception to the withdrawal right ({ $exception }).
eligibility-returned = Already returned in full.
eligibility-not-shipped = Not shipped yet: withdrawing cancels the item, with nothing to send back; it is refunded within 14 days (French Consumer Code L221-18 and L221-24).
eligibility-over = The return period is over.
eligibility-policy-until = Returnable until { $until } under the merchant's policy, more generous than the law.
eligibility-policy = Returnable under the merchant's policy.
eligibility-also-withdrawal = Until { $until }, it is also the statutory withdrawal right ({ $article }): no restocking fee.
eligibility-statute-until = Returnable until { $until } under the statutory withdrawal right ({ $article }).
eligibility-statute-from-delivery = Returnable: the withdrawal period will run from delivery ({ $article }).
eligibility-overridden = The merchant's less generous policy is overridden by the law.
eligibility-if-sealed = Provided it has not been unsealed (C. conso L221-28 5°).

## The service printed under the carrier on a return label.
label-service = Prepaid return
