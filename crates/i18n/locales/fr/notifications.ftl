# Notifications: what amiable sends by email and SMS. One message per topic and part:
# notify-<topic>-subject, -body (plain text; blank lines separate paragraphs), -sms.
# Every topic receives: $name (the recipient), $shop (the shop), $case (the case's number),
# $order (the order's number), $link (the link back to the case). Extra variables are
# named in the comment above each topic; the catalogue tests render every one.

notify-greeting = Bonjour { $name },
notify-link = Voir votre dossier : { $link }
notify-staff-link = Ouvrir le dossier : { $link }
notify-reply-hint = Vous pouvez répondre directement à cet e-mail : votre réponse sera ajoutée au dossier.
notify-signature = L'équipe { $shop }
notify-footer = Cet e-mail concerne votre commande { $order } ({ $shop }). Vos préférences de notification : { $preferences }
notify-staff-footer = Vous recevez cet e-mail en tant que membre de l'équipe de { $shop }. Vos préférences : { $preferences }

# $kind: what the case is about; $due: by when the shop answers
notify-case_opened-subject = [Dossier { $case }] Nous avons bien reçu votre demande
notify-case_opened-body =
    Votre demande concernant la commande { $order } est enregistrée sous le numéro { $case } ({ $kind }).

    { $shop } vous répondra au plus tard le { $due }. Vous serez prévenu(e) par e-mail à chaque étape.
notify-case_opened-sms = { $shop } : demande { $case } enregistrée. Réponse au plus tard le { $due }. { $link }

# $message: what was written; $author: who wrote it
notify-message_to_buyer-subject = [Dossier { $case }] Nouveau message de { $author }
notify-message_to_buyer-body =
    { $author } vous a écrit au sujet de votre dossier { $case } :

    { $message }
notify-message_to_buyer-sms = { $shop } : nouveau message sur votre dossier { $case }. { $link }

# $offer: the terms offered
notify-offer_to_buyer-subject = [Dossier { $case }] Une proposition vous attend
notify-offer_to_buyer-body =
    { $shop } vous propose : { $offer }.

    Vous pouvez l'accepter ou la refuser depuis votre dossier.
notify-offer_to_buyer-sms = { $shop } vous propose : { $offer }. Répondez sur { $link }

# $rma: the return number; $instructions: what to do next
notify-return_authorised-subject = [Dossier { $case }] Votre retour est accepté
notify-return_authorised-body =
    Votre retour est accepté (numéro de retour { $rma }).

    { $instructions }
notify-return_authorised-sms = { $shop } : retour { $rma } accepté. { $link }
notify-instructions-label = Votre étiquette de retour prépayée est prête : imprimez-la depuis votre dossier et collez-la sur le colis.
notify-instructions-ship = Renvoyez les articles à l'adresse indiquée dans votre dossier, puis déclarez l'envoi (transporteur et numéro de suivi).
notify-instructions-returnless = Vous n'avez rien à renvoyer : vous gardez les articles.
notify-instructions-wait = Vous recevrez les instructions de renvoi dans un prochain message.

# $ground: why
notify-return_refused-subject = [Dossier { $case }] Votre demande de retour n'est pas acceptée
notify-return_refused-body =
    { $shop } n'accepte pas ce retour, pour le motif suivant : { $ground }

    Si vous n'êtes pas d'accord, vous pouvez répondre à cet e-mail ou demander l'intervention de la place de marché depuis votre dossier.

# $expires: the last day it can be used
notify-label_ready-subject = [Dossier { $case }] Votre étiquette de retour est prête
notify-label_ready-body =
    Votre étiquette de retour prépayée est prête. Imprimez-la depuis votre dossier ; elle est valable jusqu'au { $expires }.
notify-label_ready-sms = { $shop } : étiquette de retour prête, valable jusqu'au { $expires }. { $link }

notify-label_expired-subject = [Dossier { $case }] Votre étiquette de retour a expiré
notify-label_expired-body =
    L'étiquette de retour de votre dossier { $case } n'est plus valable. Répondez à cet e-mail pour en demander une nouvelle.

notify-parcel_received-subject = [Dossier { $case }] Nous avons reçu votre colis
notify-parcel_received-body =
    { $shop } a reçu votre colis retour. Les articles vont être vérifiés, puis vous serez remboursé(e).
notify-parcel_received-sms = { $shop } : colis retour reçu. { $link }

# $amount: how much; $method: how; $arrives: when it reaches the buyer
notify-refund_made-subject = [Dossier { $case }] Remboursement de { $amount } effectué
notify-refund_made-body =
    { $shop } vous a remboursé { $amount } ({ $method }).

    { $arrives }
notify-refund_made-sms = { $shop } : remboursement de { $amount } effectué. { $link }
notify-arrives-card = Selon votre banque, la somme apparaît sur votre compte sous 3 à 5 jours ouvrés.
notify-arrives-other = La somme vous parvient selon les délais habituels de votre moyen de paiement.

# $stage: where the case now is
notify-escalation_accepted-subject = [Dossier { $case }] La place de marché prend en charge votre dossier
notify-escalation_accepted-body =
    Votre dossier { $case } passe en { $stage }. La place de marché l'examine et vous tiendra informé(e).

# $outcome: the decision; $grounds: its reasons
notify-decision_to_buyer-subject = [Dossier { $case }] Décision sur votre dossier
notify-decision_to_buyer-body =
    Une décision a été prise sur votre dossier { $case } : { $outcome }.

    Motifs :
    { $grounds }

# $survey: the satisfaction survey's link
notify-case_resolved-subject = [Dossier { $case }] Votre dossier est réglé
notify-case_resolved-body =
    Votre dossier { $case } est réglé : { $outcome }.

    Votre avis nous aide à mieux faire. Comment s'est passé le règlement de votre demande ? { $survey }

# $kind, $reason: what the case is about; $buyer: the buyer's name
notify-new_case-subject = [Dossier { $case }] Nouveau dossier : { $kind }, commande { $order }
notify-new_case-body =
    { $buyer } a ouvert un dossier ({ $kind }, motif : { $reason }) sur la commande { $order }.

notify-buyer_message-subject = [Dossier { $case }] Message de { $buyer }
notify-buyer_message-body =
    { $buyer } a écrit sur le dossier { $case } :

    { $message }

notify-offer_answered-subject = [Dossier { $case }] Réponse à une proposition
notify-offer_answered-body =
    { $buyer } a répondu à la proposition du dossier { $case }.

notify-case_escalated-subject = [Dossier { $case }] Dossier transmis à la place de marché
notify-case_escalated-body =
    Le dossier { $case } passe en { $stage }. La place de marché va l'examiner ; vous pourrez y répondre depuis le dossier.

notify-decision_to_merchant-subject = [Dossier { $case }] Décision à appliquer
notify-decision_to_merchant-body =
    La place de marché a décidé : { $outcome }.

    Motifs :
    { $grounds }

# $carrier, $tracking: how the parcel travels
notify-return_shipped-subject = [Dossier { $case }] Colis retour en route
notify-return_shipped-body =
    { $buyer } a déposé le colis retour ({ $carrier }, suivi { $tracking }).

# $merchant: the shop involved
notify-escalation_to_handle-subject = [Dossier { $case }] { $stage } à mener : { $merchant }
notify-escalation_to_handle-body =
    Le dossier { $case } ({ $merchant }, commande { $order }) attend la place de marché : { $stage }.

notify-method-card = sur votre carte bancaire
notify-method-payment = sur votre moyen de paiement

# $url: the endpoint; $reason: why; $shop: its owner
notify-webhook_disabled-subject = Webhook désactivé : { $url }
notify-webhook_disabled-body = Le point de terminaison { $url } de { $shop } a été désactivé ({ $reason }). Réactivez-le depuis l'API (PATCH /api/v1/webhooks/…) une fois corrigé, puis renvoyez les messages manqués (POST …/replay).

# The daily digest of a staff member. $count: how many notifications it gathers; $link: the inbox
notify-digest-subject = Votre résumé du jour ({ $count } notifications)
notify-digest-intro = Comme vous l'avez choisi, voici en un seul e-mail les nouveaux dossiers et les messages des clients depuis votre dernier résumé :
notify-digest-open = Ouvrir la boîte de réception : { $link }

# $expires: the label's last day
notify-label_expiring-subject = [Dossier { $case }] Votre étiquette de retour expire bientôt
notify-label_expiring-body =
    Votre étiquette de retour prépayée est valable jusqu'au { $expires }. Pensez à déposer votre colis avant cette date ; passé ce délai, il vous faudra en demander une nouvelle.
notify-label_expiring-sms = { $shop } : votre étiquette de retour expire le { $expires }. Déposez votre colis avant. { $link }

# The legal refund deadline (C. conso L221-24). $due: the last day; $buyer: who waits
notify-refund_due-subject = [Dossier { $case }] Remboursement à effectuer avant le { $due }
notify-refund_due-body =
    Le remboursement de { $buyer } (commande { $order }) doit être effectué au plus tard le { $due } : c'est le délai légal de 14 jours (article L221-24 du Code de la consommation). Passé cette date, des majorations s'appliquent (article L242-4).
notify-refund_overdue-subject = [Dossier { $case }] Remboursement en retard depuis le { $due }
notify-refund_overdue-body =
    Le remboursement de { $buyer } (commande { $order }) devait être effectué au plus tard le { $due }. Les sommes dues sont désormais majorées de plein droit (article L242-4 du Code de la consommation) : remboursez sans attendre.

# Incidents and mediation
notify-responsibility_to_buyer-subject = [Dossier { $case }] Responsabilité de l’incident
notify-responsibility_to_buyer-body =
    Après examen de votre dossier { $case }, la responsabilité de l’incident est attribuée à : { $responsible }.

    Motifs :
    { $grounds }

    Quelle que soit cette responsabilité, la boutique reste tenue envers vous jusqu’à la remise du colis (article L216-2 du Code de la consommation).
notify-replacement_shipped-subject = [Dossier { $case }] Votre colis de remplacement est parti
notify-replacement_shipped-body =
    Un colis de remplacement vous a été envoyé par { $carrier }, numéro de suivi { $tracking }. Votre dossier sera réglé dès sa livraison.
notify-information_request_to_buyer-subject = [Dossier { $case }] Le médiateur vous demande une information
notify-information_request_to_buyer-body =
    Le médiateur de la plateforme vous demande, d’ici le { $due } :

    { $request }

    Répondez depuis votre dossier : seul le médiateur verra votre réponse.
notify-consumer_mediator_offered-subject = [Dossier { $case }] Recours au médiateur de la consommation
notify-consumer_mediator_offered-body =
    La décision de la plateforme sur votre dossier { $case } est définitive. Si elle ne vous satisfait pas, vous pouvez saisir gratuitement le médiateur de la consommation : { $mediator } ({ $website }), dans un délai d’un an à compter de votre réclamation écrite (articles L612-1 et L612-2 du Code de la consommation). Le dossier complet (chronologie, pièces, décision) est téléchargeable depuis votre espace.
notify-mediator_message-subject = [Dossier { $case }] Message privé du médiateur
notify-mediator_message-body =
    Le médiateur vous écrit, dans votre échange privé (le client ne le voit pas) :

    { $message }
notify-information_request_to_merchant-subject = [Dossier { $case }] Le médiateur demande une pièce avant le { $due }
notify-information_request_to_merchant-body =
    Le médiateur de la plateforme vous demande, d’ici le { $due } :

    { $request }

    Répondez dans votre échange privé avec le médiateur : le client ne le voit pas.
notify-delivery_deadline_set-subject = [Dossier { $case }] Nouvelle date de livraison exigée : { $due }
notify-delivery_deadline_set-body =
    { $buyer } (commande { $order }) vous impartit un délai supplémentaire pour livrer, jusqu’au { $due } (article L216-6 du Code de la consommation). Passé ce délai, il pourra résoudre la commande et devra être remboursé sous 14 jours.
notify-late_order_cancelled-subject = [Dossier { $case }] Commande résolue pour retard : rembourser avant le { $due }
notify-late_order_cancelled-body =
    { $buyer } a résolu la commande { $order } faute de livraison dans le délai supplémentaire. Remboursez l’intégralité des sommes versées au plus tard le { $due } (article L216-7) ; au-delà, elles sont majorées de 10 à 50 % (article L241-4).
notify-replacement_lost-subject = [Dossier { $case }] Colis de remplacement perdu
notify-replacement_lost-body =
    Le colis de remplacement { $tracking } ({ $carrier }) est déclaré perdu : le dossier est rouvert. Renvoyez un article ou remboursez le client.
notify-goodwill_approval-subject = [Dossier { $case }] Geste commercial de { $amount } à approuver
notify-goodwill_approval-body =
    Un geste commercial de { $amount } dépasse le seuil ou le budget mensuel de la boutique : il attend l’approbation d’un administrateur.
notify-message_to_mediator-subject = [Dossier { $case }] Message privé de { $party } ({ $merchant })
notify-message_to_mediator-body =
    { $party } vous écrit dans son échange privé :

    { $message }
notify-appeal_to_handle-subject = [Dossier { $case }] Appel de { $party } à instruire ({ $merchant })
notify-appeal_to_handle-body =
    { $party } fait appel de la décision rendue sur le dossier { $case }. Un autre médiateur que l’auteur de la décision doit l’instruire.

    Motifs de l’appel :
    { $grounds }
notify-replacement_shipped-sms = { $shop } : colis de remplacement expédié ({ $carrier } { $tracking }). { $link }
notify-information_request_to_buyer-sms = { $shop } : le médiateur vous demande une information avant le { $due }. { $link }
notify-status_update-subject = [Dossier { $case }] Où en est votre demande
notify-status_update-body =
    Bonjour { $name },

    Voici où en est votre demande sur la commande { $order } :

    { $message }
notify-sla_warning-subject = [Dossier { $case }] Échéance proche : { $target } avant le { $due }
notify-sla_warning-body =
    Le délai « { $target } » du dossier { $case } (commande { $order }) arrive à échéance le { $due }.

    Répondez avant pour le tenir.
notify-sla_breach-subject = [Dossier { $case }] Délai dépassé : { $target }
notify-sla_breach-body =
    Le délai « { $target } » du dossier { $case } (commande { $order }) est dépassé depuis le { $due }.

    Chaque délai manqué compte dans la note de qualité de la boutique : répondez dès que possible.
notify-sla_to_operator-subject = [Dossier { $case }] { $merchant } : délai « { $target } » en retard
notify-sla_to_operator-body =
    Le délai « { $target } » du dossier { $case } ({ $merchant }) était dû le { $due } et n’est toujours pas tenu.
notify-automation_to_merchant-subject = [Dossier { $case }] À regarder : { $rule }
notify-automation_to_merchant-body =
    La règle automatique « { $rule } » vous signale le dossier { $case } (commande { $order }).
notify-automation_to_operator-subject = [Dossier { $case }] { $merchant } : { $rule }
notify-automation_to_operator-body =
    La règle automatique « { $rule } » signale le dossier { $case } de { $merchant }.
