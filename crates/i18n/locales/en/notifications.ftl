# Notifications: what amiable sends by email and SMS. One message per topic and part:
# notify-<topic>-subject, -body (plain text; blank lines separate paragraphs), -sms.
# Every topic receives: $name (the recipient), $shop (the shop), $case (the case's number),
# $order (the order's number), $link (the link back to the case). Extra variables are
# named in the comment above each topic; the catalogue tests render every one.

notify-greeting = Hello { $name },
notify-link = See your case: { $link }
notify-staff-link = Open the case: { $link }
notify-reply-hint = You can reply to this email: your answer is added to the case.
notify-signature = The { $shop } team
notify-footer = This email is about your order { $order } ({ $shop }). Your notification preferences: { $preferences }
notify-staff-footer = You receive this email as a member of the { $shop } team. Your preferences: { $preferences }

# $kind: what the case is about; $due: by when the shop answers
notify-case_opened-subject = [Case { $case }] We have received your request
notify-case_opened-body =
    Your request about order { $order } is registered as case { $case } ({ $kind }).

    { $shop } will answer by { $due } at the latest. You will hear from us by email at every step.
notify-case_opened-sms = { $shop }: request { $case } registered. Answer by { $due }. { $link }

# $message: what was written; $author: who wrote it
notify-message_to_buyer-subject = [Case { $case }] New message from { $author }
notify-message_to_buyer-body =
    { $author } wrote about your case { $case }:

    { $message }
notify-message_to_buyer-sms = { $shop }: new message on your case { $case }. { $link }

# $offer: the terms offered
notify-offer_to_buyer-subject = [Case { $case }] An offer awaits you
notify-offer_to_buyer-body =
    { $shop } offers you: { $offer }.

    You can accept or decline it from your case.
notify-offer_to_buyer-sms = { $shop } offers you: { $offer }. Answer at { $link }

# $rma: the return number; $instructions: what to do next
notify-return_authorised-subject = [Case { $case }] Your return is accepted
notify-return_authorised-body =
    Your return is accepted (return number { $rma }).

    { $instructions }
notify-return_authorised-sms = { $shop }: return { $rma } accepted. { $link }
notify-instructions-label = Your prepaid return label is ready: print it from your case and stick it on the parcel.
notify-instructions-ship = Send the items to the address shown on your case, then declare the shipment (carrier and tracking number).
notify-instructions-returnless = You have nothing to send back: keep the items.
notify-instructions-wait = You will receive the instructions to send the items back in a next message.

# $ground: why
notify-return_refused-subject = [Case { $case }] Your return request is not accepted
notify-return_refused-body =
    { $shop } does not accept this return, on this ground: { $ground }

    If you disagree, reply to this email or ask the marketplace to step in from your case.

# $expires: the last day it can be used
notify-label_ready-subject = [Case { $case }] Your return label is ready
notify-label_ready-body =
    Your prepaid return label is ready. Print it from your case; it is valid until { $expires }.
notify-label_ready-sms = { $shop }: return label ready, valid until { $expires }. { $link }

notify-label_expired-subject = [Case { $case }] Your return label has expired
notify-label_expired-body =
    The return label of your case { $case } is no longer valid. Reply to this email to ask for a new one.

notify-parcel_received-subject = [Case { $case }] We have received your parcel
notify-parcel_received-body =
    { $shop } has received your return parcel. The items will be checked, then you will be refunded.
notify-parcel_received-sms = { $shop }: return parcel received. { $link }

# $amount: how much; $method: how; $arrives: when it reaches the buyer
notify-refund_made-subject = [Case { $case }] Refund of { $amount } made
notify-refund_made-body =
    { $shop } has refunded you { $amount } ({ $method }).

    { $arrives }
notify-refund_made-sms = { $shop }: refund of { $amount } made. { $link }
notify-arrives-card = Depending on your bank, the money shows on your account within 3 to 5 working days.
notify-arrives-other = The money reaches you within your payment method's usual time.

# $stage: where the case now is
notify-escalation_accepted-subject = [Case { $case }] The marketplace takes up your case
notify-escalation_accepted-body =
    Your case { $case } moves to { $stage }. The marketplace is looking into it and will keep you informed.

# $outcome: the decision; $grounds: its reasons
notify-decision_to_buyer-subject = [Case { $case }] Decision on your case
notify-decision_to_buyer-body =
    A decision was taken on your case { $case }: { $outcome }.

    Grounds:
    { $grounds }

# $survey: the satisfaction survey's link
notify-case_resolved-subject = [Case { $case }] Your case is settled
notify-case_resolved-body =
    Your case { $case } is settled: { $outcome }.

    Your opinion helps us do better. How was your request handled? { $survey }

# $kind, $reason: what the case is about; $buyer: the buyer's name
notify-new_case-subject = [Case { $case }] New case: { $kind }, order { $order }
notify-new_case-body =
    { $buyer } opened a case ({ $kind }, reason: { $reason }) on order { $order }.

notify-buyer_message-subject = [Case { $case }] Message from { $buyer }
notify-buyer_message-body =
    { $buyer } wrote on case { $case }:

    { $message }

notify-offer_answered-subject = [Case { $case }] An offer was answered
notify-offer_answered-body =
    { $buyer } answered the offer of case { $case }.

notify-case_escalated-subject = [Case { $case }] Case passed to the marketplace
notify-case_escalated-body =
    Case { $case } moves to { $stage }. The marketplace will look into it; you can answer from the case.

notify-decision_to_merchant-subject = [Case { $case }] Decision to carry out
notify-decision_to_merchant-body =
    The marketplace decided: { $outcome }.

    Grounds:
    { $grounds }

# $carrier, $tracking: how the parcel travels
notify-return_shipped-subject = [Case { $case }] Return parcel on its way
notify-return_shipped-body =
    { $buyer } dropped off the return parcel ({ $carrier }, tracking { $tracking }).

# $merchant: the shop involved
notify-escalation_to_handle-subject = [Case { $case }] { $stage } to handle: { $merchant }
notify-escalation_to_handle-body =
    Case { $case } ({ $merchant }, order { $order }) awaits the marketplace: { $stage }.

notify-method-card = to your card
notify-method-payment = to your payment method

# $url: the endpoint; $reason: why; $shop: its owner
notify-webhook_disabled-subject = Webhook disabled: { $url }
notify-webhook_disabled-body = The endpoint { $url } of { $shop } was disabled ({ $reason }). Enable it again through the API (PATCH /api/v1/webhooks/…) once fixed, then replay the missed messages (POST …/replay).

# The daily digest of a staff member. $count: how many notifications it gathers; $link: the inbox
notify-digest-subject = Your daily digest ({ $count } notifications)
notify-digest-intro = As you chose, here in one email are the new cases and the buyers' messages since your last digest:
notify-digest-open = Open the inbox: { $link }

# $expires: the label's last day
notify-label_expiring-subject = [Case { $case }] Your return label expires soon
notify-label_expiring-body =
    Your prepaid return label is valid until { $expires }. Remember to drop off your parcel before then; after that date you will need to ask for a new one.
notify-label_expiring-sms = { $shop }: your return label expires on { $expires }. Drop off your parcel before then. { $link }

# The legal refund deadline (French Consumer Code L221-24). $due: the last day; $buyer: who waits
notify-refund_due-subject = [Case { $case }] Refund due by { $due }
notify-refund_due-body =
    The refund of { $buyer } (order { $order }) must be made by { $due } at the latest: the 14-day legal deadline (French Consumer Code, article L221-24). After that date, surcharges apply (article L242-4).
notify-refund_overdue-subject = [Case { $case }] Refund overdue since { $due }
notify-refund_overdue-body =
    The refund of { $buyer } (order { $order }) was due by { $due }. The sums owed are now increased by law (French Consumer Code, article L242-4): refund without delay.

# Incidents and mediation
notify-responsibility_to_buyer-subject = [Case { $case }] Responsibility for the incident
notify-responsibility_to_buyer-body =
    Having looked into your case { $case }, responsibility for the incident lies with: { $responsible }.

    Grounds:
    { $grounds }

    Whoever is responsible, the shop answers to you until the parcel is in your hands (French Consumer Code, article L216-2).
notify-replacement_shipped-subject = [Case { $case }] Your replacement parcel is on its way
notify-replacement_shipped-body =
    A replacement parcel was sent to you with { $carrier }, tracking number { $tracking }. Your case will be settled as soon as it is delivered.
notify-information_request_to_buyer-subject = [Case { $case }] The mediator asks you for information
notify-information_request_to_buyer-body =
    The marketplace's mediator asks you, by { $due }:

    { $request }

    Answer from your case page: only the mediator will see your answer.
notify-consumer_mediator_offered-subject = [Case { $case }] Referring your case to the consumer mediator
notify-consumer_mediator_offered-body =
    The marketplace's decision on your case { $case } is final. If it does not satisfy you, you may refer it free of charge to the consumer mediator: { $mediator } ({ $website }), within one year of your written complaint (French Consumer Code, articles L612-1 and L612-2). The complete file (timeline, evidence, decision) can be downloaded from your case page.
notify-mediator_message-subject = [Case { $case }] Private message from the mediator
notify-mediator_message-body =
    The mediator writes to you in your private channel (the buyer does not see it):

    { $message }
notify-information_request_to_merchant-subject = [Case { $case }] The mediator asks for evidence by { $due }
notify-information_request_to_merchant-body =
    The marketplace's mediator asks you, by { $due }:

    { $request }

    Answer in your private channel with the mediator: the buyer does not see it.
notify-delivery_deadline_set-subject = [Case { $case }] New delivery deadline set: { $due }
notify-delivery_deadline_set-body =
    { $buyer } (order { $order }) gives you until { $due } to deliver (French Consumer Code, article L216-6). After that, they may cancel the order and must be refunded within 14 days.
notify-late_order_cancelled-subject = [Case { $case }] Order cancelled for late delivery: refund by { $due }
notify-late_order_cancelled-body =
    { $buyer } cancelled order { $order } as it was not delivered within the extra period. Refund everything paid by { $due } (article L216-7); later, the sums are increased by 10 to 50 % (article L241-4).
notify-replacement_lost-subject = [Case { $case }] Replacement parcel lost
notify-replacement_lost-body =
    The replacement parcel { $tracking } ({ $carrier }) is reported lost: the case is open again. Send another item or refund the buyer.
notify-goodwill_approval-subject = [Case { $case }] Goodwill gesture of { $amount } to approve
notify-goodwill_approval-body =
    A goodwill gesture of { $amount } is above the shop's threshold or monthly budget: it awaits an admin's approval.
notify-message_to_mediator-subject = [Case { $case }] Private message from { $party } ({ $merchant })
notify-message_to_mediator-body =
    { $party } writes to you in their private channel:

    { $message }
notify-appeal_to_handle-subject = [Case { $case }] Appeal by { $party } to hear ({ $merchant })
notify-appeal_to_handle-body =
    { $party } appeals the decision on case { $case }. A mediator other than the decision's author must hear it.

    Grounds of the appeal:
    { $grounds }
notify-replacement_shipped-sms = { $shop }: replacement parcel sent ({ $carrier } { $tracking }). { $link }
notify-information_request_to_buyer-sms = { $shop }: the mediator asks you for information by { $due }. { $link }
notify-status_update-subject = [Case { $case }] Where your request stands
notify-status_update-body =
    Hello { $name },

    Here is where your request about order { $order } stands:

    { $message }
notify-sla_warning-subject = [Case { $case }] Due soon: { $target } by { $due }
notify-sla_warning-body =
    The “{ $target }” target of case { $case } (order { $order }) falls due on { $due }.

    Answer before then to meet it.
notify-sla_breach-subject = [Case { $case }] Target missed: { $target }
notify-sla_breach-body =
    The “{ $target }” target of case { $case } (order { $order }) was missed on { $due }.

    Every missed target counts in the shop's quality score: please answer as soon as you can.
notify-sla_to_operator-subject = [Case { $case }] { $merchant }: “{ $target }” target late
notify-sla_to_operator-body =
    The “{ $target }” target of case { $case } ({ $merchant }) was due on { $due } and is still not met.
notify-automation_to_merchant-subject = [Case { $case }] To look at: { $rule }
notify-automation_to_merchant-body =
    The automation rule “{ $rule }” points you to case { $case } (order { $order }).
notify-automation_to_operator-subject = [Case { $case }] { $merchant }: { $rule }
notify-automation_to_operator-body =
    The automation rule “{ $rule }” points to case { $case } of { $merchant }.
