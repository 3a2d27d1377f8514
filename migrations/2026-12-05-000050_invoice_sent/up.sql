-- When an invoice was last mailed (when issued, or sent again since): the
-- invoices list says which went out.
ALTER TABLE invoices ADD COLUMN sent_at timestamptz;
-- Those mailed before: as their mail says.
UPDATE invoices i SET sent_at = m.at
  FROM (SELECT workspace_id, attachment_name, max(created_at) AS at
          FROM mail_messages
         WHERE attachment_name LIKE 'invoice-%.pdf'
         GROUP BY workspace_id, attachment_name) m
 WHERE m.workspace_id = i.workspace_id
   AND m.attachment_name = 'invoice-' || i.number || '.pdf';
