-- description: e-mail opens and clicks of each unified individual, and when they last opened one
-- dimensions: unified_id
-- measures: emails_sent, emails_opened, emails_clicked, last_open_at
SELECT l.unified_id,
       COUNT_IF(e.EngagementType = 'sent')     AS emails_sent,
       COUNT_IF(e.EngagementType = 'open')     AS emails_opened,
       COUNT_IF(e.EngagementType = 'click')    AS emails_clicked,
       MAX(CASE WHEN e.EngagementType = 'open' THEN e.EngagementDateTime END) AS last_open_at
FROM EmailEngagement e
JOIN UnifiedLinkIndividual l ON l.individual_id = e.PartyId
GROUP BY l.unified_id
