/**
 * Crypto of the KMS: API keys and identities (docs/PROTOCOL.md §2), key versions with the KES/MinIO
 * ciphertext layout (docs/PROTOCOL.md §8), key rings. Pure: no Pekko (kms-core's build refuses it),
 * no I/O; only the JDK and Bouncy Castle primitives (PurityTest keeps it so).
 */
package io.openkms.kms.crypto;
