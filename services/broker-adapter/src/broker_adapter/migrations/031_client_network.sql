-- The client's own network identity as the registry sent it (ClientNetwork as JSON);
-- NULL: the deployment's default (MOTILAL_CLIENT_PUBLIC_IP, _LOCAL_IP, _MAC_ADDRESS).
ALTER TABLE accounts ADD COLUMN network_identity jsonb;
