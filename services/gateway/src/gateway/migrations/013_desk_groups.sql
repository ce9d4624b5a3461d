-- Desk groups (issue 14): a named set of clients traded together, each member with its
-- multiplier and an optional cap. Not the free-text `clients.groups` labels: a group here
-- carries allocation facts, and a client can be in several.
CREATE TABLE desk_groups (
    name        text PRIMARY KEY,
    description text NOT NULL DEFAULT '',
    created_by  text NOT NULL,
    updated_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE desk_group_members (
    group_name   text NOT NULL REFERENCES desk_groups (name) ON DELETE CASCADE,
    client_id    text NOT NULL REFERENCES clients (client_id),
    position     integer NOT NULL,  -- the order the admin gave, kept for answers
    multiplier   numeric(12, 4) NOT NULL DEFAULT 1 CHECK (multiplier > 0),
    max_quantity integer CHECK (max_quantity > 0),
    PRIMARY KEY (group_name, client_id)
);
CREATE INDEX desk_group_members_client ON desk_group_members (client_id);
