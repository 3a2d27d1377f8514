-- A workspace's modules are a closed set, as its template and its members'
-- roles already are: the database refuses a name it does not know.
ALTER TABLE workspaces ADD CONSTRAINT workspaces_modules_known CHECK (modules <@ ARRAY[
    'people', 'organizations', 'groups', 'scheduling', 'booking', 'attendance', 'payments',
    'finance', 'medals', 'store', 'messaging', 'certification', 'documents', 'video', 'deals',
    'activities', 'campaigns', 'approvals', 'dashboards', 'analytics', 'tickets', 'slas', 'portal'
]::text[]);
