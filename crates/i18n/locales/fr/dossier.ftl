# The case's dossier (PDF): what a consumer mediator or a court reads. The
# timeline's sentences are the pages' (ui.ftl: timeline-*, kind-*, status-*…);
# these are the dossier's own headings, labels and statements.

dossier-title = Dossier { $reference }
dossier-footer = Dossier { $reference } — { $marketplace } — { $copy }
dossier-copy-buyer = Exemplaire du client
dossier-copy-merchant = Exemplaire de la boutique
dossier-copy-operator = Exemplaire de la plateforme
dossier-field-copy = Exemplaire
dossier-field-marketplace = Plateforme
dossier-field-shop = Boutique
dossier-field-buyer = Client
dossier-field-order = Commande
dossier-order-placed = { $reference }, passée le { $date }
dossier-field-kind = Nature
dossier-field-reason = Motif
dossier-field-status = État
dossier-field-stage = Étape
dossier-field-opened = Ouvert le
dossier-field-state-at = Arrêté au
dossier-state-at = { $date } (version { $version })

dossier-claim = La demande
dossier-field-claimed = Montant demandé
dossier-no-claimed-amount = Aucun montant précisé
dossier-field-items = Articles concernés
dossier-field-description = Exposé

dossier-timeline = Historique
dossier-timeline-intro = Chaque événement du dossier, dans l'ordre où il a été enregistré, numéroté comme dans la chaîne d'empreintes (heures de { $zone }).
dossier-internal = Interne : visible du personnel seulement, jamais du client.
dossier-private-buyer = Échange privé entre le client et le médiateur : la boutique ne le voit pas.
dossier-private-merchant = Échange privé entre la boutique et le médiateur : le client ne le voit pas.

dossier-evidence = Pièces
dossier-evidence-intro = Les fichiers versés au dossier. Leur empreinte SHA-256 permet de vérifier qu'un fichier produit est bien celui qui a été déposé.
dossier-column-file = Fichier et empreinte SHA-256
dossier-column-type = Type
dossier-column-size = Taille
dossier-file-added = Déposé le { $date } — { $who }
dossier-no-evidence = Aucun fichier n'a été versé au dossier.

dossier-money = Argent
dossier-money-intro = Les mouvements d'argent de la commande { $reference }, tous dossiers de la commande confondus.
dossier-column-date = Date
dossier-column-movement = Mouvement
dossier-column-amount = Montant
dossier-ledger-refund = Remboursement au client
dossier-ledger-refund_released = Remboursement échoué : de nouveau remboursable
dossier-ledger-store_credit = Avoir
dossier-ledger-compensation = Geste commercial
dossier-ledger-surcharge = Majoration légale pour remboursement tardif (C. conso L242-4)
dossier-ledger-surcharge_released = Majoration reportée (remboursement échoué)
dossier-ledger-due_from_buyer = Dû par le client (différence de prix d'un échange)
dossier-ledger-marketplace_paid = Payé au client par la plateforme
dossier-ledger-due_from_merchant = Dû par la boutique à la plateforme
dossier-ledger-recovery_waived = Récupération auprès de la boutique abandonnée
dossier-ledger-carrier_recovered = Indemnité du transporteur à la boutique
dossier-ledger-other-case = { $what } (dossier { $reference })
dossier-no-money = Aucun mouvement d'argent n'a été enregistré sur cette commande.

dossier-decision = Décision
dossier-decision-of = Décision du { $date }
dossier-field-outcome = Sens
dossier-field-terms = Dispositif
dossier-field-grounds = Motifs
dossier-field-cites = Clauses et articles appliqués
dossier-field-paid-by = Payée par
dossier-paid-by-merchant = La boutique
dossier-paid-by-marketplace = La plateforme
dossier-paid-by-marketplace-recovered = La plateforme, qui le récupère auprès de la boutique
dossier-field-resolution = Issue du dossier
dossier-no-decision = Aucune décision n'a été rendue dans ce dossier.

dossier-appeal = Appel
dossier-field-appellant = Formé par
dossier-field-lodged = Formé le
dossier-field-appeal-grounds = Moyens
dossier-field-appeal-outcome = Décision sur l'appel
dossier-field-appeal-decided = Rendue le
dossier-appeal-pending = En attente de la décision d'un autre médiateur
dossier-no-appeal = Aucun appel n'a été formé.

dossier-mediator = Médiateur de la consommation
dossier-field-mediator-name = Médiateur
dossier-field-mediator-website = Site
dossier-mediator-offered = Proposé au client le { $date }. Le client peut y recourir gratuitement si le litige n'est pas résolu (C. conso L612-1).
dossier-mediator-named = Désigné par la plateforme, pas encore proposé dans ce dossier. Le recours au médiateur est gratuit pour le client (C. conso L612-1).
dossier-no-mediator = La plateforme n'a pas désigné de médiateur de la consommation.

dossier-integrity = Intégrité
dossier-field-events = Événements du dossier
dossier-field-shown = Reproduits ici
dossier-field-last-hash = Empreinte du dernier événement
dossier-integrity-verified = La chaîne d'empreintes a été vérifiée à l'édition de ce document : les événements du dossier sont dans leur ordre d'enregistrement et aucun n'a été modifié, retiré ou inséré depuis.
dossier-integrity-broken = La chaîne d'empreintes est rompue à l'événement { $seq } : le dossier a été modifié en dehors d'amiable, ce document ne peut pas être tenu pour fidèle.
dossier-integrity-partial = Les événements que cet exemplaire ne reproduit pas (notes internes, échange privé de l'autre partie avec le médiateur) sont couverts par la même chaîne.
dossier-integrity-method = Chaque événement est scellé par une empreinte SHA-256 calculée avec celle de l'événement précédent : modifier un seul événement changerait toutes les empreintes suivantes.
