// The parts of OpenSSL's libcrypto that Gloss uses: SHA-256, Ed25519, randomness, errors.
#ifndef GLOSS_COPENSSL_SHIM_H
#define GLOSS_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#endif
