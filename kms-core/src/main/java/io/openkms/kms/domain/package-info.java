/**
 * The KMS domain: the immutable replicated state ({@link io.openkms.kms.domain.KmsState}), the
 * changes applied to it ({@link io.openkms.kms.domain.Change}), authorization, names, listing and
 * the errors of the wire protocol. Pure and deterministic: no Pekko (kms-core's build refuses it),
 * no I/O, no clock or randomness outside {@link io.openkms.kms.domain.Changes} (PurityTest keeps it
 * so).
 */
package io.openkms.kms.domain;
