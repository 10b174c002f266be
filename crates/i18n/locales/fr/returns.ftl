## amiable — les retours : ce que chaque ligne d’une commande peut encore obtenir, et pourquoi
## (la réponse d’éligibilité de l’API et la page de commande de l’acheteur).
## `$until` est une date, `$article` l’article du Code de la consommation.

eligibility-exception = Non retournable : exception au droit de rétractation ({ $exception }).
eligibility-returned = Déjà retourné en totalité.
eligibility-not-shipped = Pas encore expédié : le retirer de la commande annule l’article, sans rien renvoyer ; il est remboursé dans les 14 jours (C. conso L221-18 et L221-24).
eligibility-over = Le délai de retour est dépassé.
eligibility-policy-until = Retournable jusqu’au { $until } selon la politique du vendeur, plus généreuse que la loi.
eligibility-policy = Retournable selon la politique du vendeur.
eligibility-also-withdrawal = Jusqu’au { $until }, c’est aussi le droit de rétractation ({ $article }) : sans frais de reprise.
eligibility-statute-until = Retournable jusqu’au { $until } au titre du droit de rétractation ({ $article }).
eligibility-statute-from-delivery = Retournable : le délai de rétractation courra à compter de la livraison ({ $article }).
eligibility-overridden = La politique du vendeur, moins favorable, est écartée par la loi.
eligibility-if-sealed = À condition qu’il n’ait pas été descellé (C. conso L221-28 5°).

## The service printed under the carrier on a return label.
label-service = Retour prépayé
