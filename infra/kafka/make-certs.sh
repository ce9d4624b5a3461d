#!/bin/sh
# Run by docker-compose's one-shot kafka-certs service before the broker starts: a private
# CA and the broker's TLS certificate (openssl), in the kafka-certs volume.
#   ca.crt      the CA: the services trust it (KAFKA_CA_FILE), so does the broker when it
#               connects to its own admin listener; readable by all
#   ca.key      the CA's key, kept to renew the broker certificate; root only
#   broker.crt  the broker's certificate (names: KAFKA_CERT_SAN); readable by all
#   broker.key  its key; root only
#   broker.p12  the key, certificate and CA as the broker reads them (a PKCS#12 key store;
#               Kafka takes a PEM key store only with an encrypted key, in a PBE scheme
#               that Java 17 cannot read from OpenSSL 3's default); readable by the broker's
#               user only (uid 1000 in the apache/kafka image), KAFKA_KEYSTORE_PASSWORD
# The CA and the broker's key pair are made once per volume; the broker certificate again
# when it has under 30 days left (same CA: the services need nothing new); the key store
# on every run, so a changed KAFKA_KEYSTORE_PASSWORD takes effect. The broker reads its key
# store when it starts: a running broker serves a renewed certificate after a restart.
# `docker compose down -v` starts over.
set -eu
DIR=${KAFKA_CERTS_DIR:-/certs}
BROKER_UID=${KAFKA_BROKER_UID:-1000}
# the names the services (kafka:9092), kafka-setup (kafka:9094) and the broker's own
# health check (localhost:9094) connect to; every client checks the name
SAN=${KAFKA_CERT_SAN:-DNS:kafka,DNS:localhost}
DAYS=${KAFKA_CERT_DAYS:-397}
: "${KAFKA_KEYSTORE_PASSWORD:?set KAFKA_KEYSTORE_PASSWORD}"

umask 077
mkdir -p "$DIR"
chmod 0755 "$DIR"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ ! -s "$DIR/ca.crt" ] || [ ! -s "$DIR/ca.key" ]; then
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$DIR/ca.key" -out "$DIR/ca.crt" -days 3650 -sha256 \
    -subj "/O=trading-platform/CN=trading-platform compose Kafka CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
  rm -f "$DIR/broker.crt"  # signed by the old CA: no longer trusted
  echo "kafka-certs: made a new CA"
fi
chmod 0400 "$DIR/ca.key"
chmod 0444 "$DIR/ca.crt"

if [ -s "$DIR/broker.crt" ] && [ -s "$DIR/broker.key" ] \
  && openssl x509 -in "$DIR/broker.crt" -noout -checkend 2592000 > /dev/null; then
  echo "kafka-certs: the broker certificate is current"
else
  [ -s "$DIR/broker.key" ] || openssl genpkey -algorithm EC \
    -pkeyopt ec_paramgen_curve:P-256 -out "$DIR/broker.key"
  cat > "$WORK/ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$SAN
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
  openssl req -new -key "$DIR/broker.key" -out "$WORK/broker.csr" \
    -subj "/O=trading-platform/CN=kafka"
  openssl x509 -req -in "$WORK/broker.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" \
    -CAserial "$WORK/ca.srl" -CAcreateserial -days "$DAYS" -sha256 \
    -extfile "$WORK/ext" -out "$WORK/broker.crt"
  chmod 0444 "$WORK/broker.crt"
  mv -f "$WORK/broker.crt" "$DIR/broker.crt"
  echo "kafka-certs: made the broker certificate for $SAN"
fi
chmod 0400 "$DIR/broker.key"

# OpenSSL 3's PKCS#12 defaults (AES-256-CBC, PBKDF2 with HMAC-SHA-256), which Java reads
openssl pkcs12 -export -name kafka -inkey "$DIR/broker.key" -in "$DIR/broker.crt" \
  -certfile "$DIR/ca.crt" -passout env:KAFKA_KEYSTORE_PASSWORD -out "$WORK/broker.p12"
if [ "$(id -u)" = 0 ]; then chown "$BROKER_UID" "$WORK/broker.p12"; fi  # else: a test's files
chmod 0400 "$WORK/broker.p12"
mv -f "$WORK/broker.p12" "$DIR/broker.p12"
