package io.openkms.persistence;

public interface Sealed {}
