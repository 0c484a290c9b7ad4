package io.openkms.cli.config;

import io.openkms.cli.CliException;

/**
 * The config file cannot be used. One line, printed by {@code minkms} as {@code minkms: <message>}
 * with exit code 1. Messages:
 *
 * <ul>
 *   <li>{@code cannot read config file <path>: no such file} (also {@code permission denied},
 *       {@code is a directory}, or the I/O error's text);
 *   <li>{@code cannot parse config file <path>: line <L>:<C>: <YAML problem>} (1-based);
 *   <li>{@code config file <path>: <problem>}, e.g. {@code unknown key 'tls.foo'}, {@code
 *       unsupported version 'v2' (expected v1)}, {@code missing version (expected v1)}, {@code
 *       'tls.certs' must be a list} (see {@link ServerConfig#load}).
 * </ul>
 */
public final class ConfigException extends CliException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message the whole one-line message
   */
  public ConfigException(String message) {
    super(FAILURE, message);
  }
}
