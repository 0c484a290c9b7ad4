package io.openkms.cli.commands;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.openkms.cli.CliException;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.DecryptResponse;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.proto.ImportKeyRequest;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.proto.KeyStatusResponse;
import io.openkms.http.proto.ListKeysResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.MACRequest;
import io.openkms.http.proto.MACResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The key commands (docs/REFERENCE.md §2.7, §6): {@code add-key}, {@code rm-key}, {@code ls-key},
 * {@code stat-key}, {@code keygen}, {@code decrypt}, and two of ours for the API's other
 * operations, {@code encrypt} and {@code mac}. Every one needs an enclave ({@code -e/--enclave
 * NAME}; without it: {@code no enclave: use -e/--enclave NAME}, exit 2).
 *
 * <p>Ciphertexts are written {@code v<VERSION>:<standard base64>} (docs/REFERENCE.md §2.7, the form
 * {@code decrypt} takes); {@code -v VER} picks a key version (default: the latest).
 */
public final class KeyCommands {
  private static final Pattern CIPHERTEXT =
      Pattern.compile("v([0-9]{1,10}):([A-Za-z0-9+/]*={0,2})");

  private KeyCommands() {}

  /** {@code v<version>:<base64>}, the text form of a ciphertext or MAC. */
  static String versioned(int version, ByteString bytes) {
    return "v"
        + Integer.toUnsignedString(version)
        + ":"
        + Base64.getEncoder().encodeToString(bytes.toByteArray());
  }

  /**
   * {@code minkms add-key NAME [--type AES256|ChaCha20] [--version] [--import BASE64]}: {@code
   * KEY:CREATE} (201), with {@code --version} a new version of an existing key (rotation), with
   * {@code --import} {@code KEY:IMPORT} (203) of the given 32 bytes. Without {@code --type} the
   * server picks (AES256). Prints nothing on success.
   */
  @Command(
      name = "add-key",
      description = {"Create a key, add a version to it (--version), or import one."})
  public static final class AddKey extends ClientCommand.InEnclave {
    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help message and exit.")
    boolean help;

    @Parameters(paramLabel = "NAME", description = "The key's name.")
    String name;

    @Option(
        names = "--type",
        paramLabel = "TYPE",
        description = "AES256 or ChaCha20 (default: the server's, AES256).")
    String type;

    @Option(names = "--version", description = "Add a new version to an existing key (rotation).")
    boolean addVersion;

    @Option(
        names = "--import",
        paramLabel = "BASE64",
        description = "Import this key material (32 bytes, base64).")
    String importKey;

    private byte[] material;

    @Override
    protected void check() throws CliException {
      if (importKey != null) {
        if (addVersion) {
          throw CliException.usage("--import cannot be used with --version");
        }
        try {
          material = Base64.getDecoder().decode(importKey.strip());
        } catch (IllegalArgumentException e) {
          throw CliException.usage("invalid --import key: not standard base64");
        }
      }
    }

    @Override
    protected int run(KmsClient client) throws CliException {
      String enclave = enclave();
      String keyType = type == null ? "" : type;
      if (material != null) {
        client.importKey(
            enclave,
            ImportKeyRequest.newBuilder()
                .setName(name)
                .setType(keyType)
                .setKey(ByteString.copyFrom(material))
                .build());
      } else {
        client.createKey(
            enclave,
            CreateKeyRequest.newBuilder()
                .setName(name)
                .setType(keyType)
                .setAddVersion(addVersion)
                .build());
      }
      return 0;
    }
  }

  /**
   * {@code minkms rm-key NAME [-v VER] [--all]}: {@code KEY:DELETE} (202) of one version (the
   * latest by default) or, with {@code --all}, of the whole key. {@code --all} with {@code -v} is a
   * usage error. Prints nothing on success.
   */
  @Command(
      name = "rm-key",
      mixinStandardHelpOptions = true,
      description = {
        "Delete a key version (the latest by default) or, with --all, the whole key.",
        "Data under deleted versions can only be recovered from a backup."
      })
  public static final class RmKey extends ClientCommand.InEnclave {
    @Parameters(paramLabel = "NAME", description = "The key.")
    String name;

    @Option(names = "-v", paramLabel = "VER", description = "The version to delete.")
    Integer version;

    @Option(names = "--all", description = "Delete every version: the whole key.")
    boolean all;

    @Override
    protected void check() throws CliException {
      if (all && version != null) {
        throw CliException.usage("--all cannot be used with -v");
      }
      version(version);
    }

    @Override
    protected int run(KmsClient client) throws CliException {
      client.deleteKey(
          enclave(),
          DeleteKeyRequest.newBuilder()
              .setName(name)
              .setVersion(version(version))
              .setAllVersions(all)
              .build());
      return 0;
    }
  }

  /**
   * {@code minkms ls-key [PREFIX]}: {@code KEY:LIST} (208), every page. Text: a table {@code Type
   * Created Name} (latest version's type and creation time); {@code --json}: one {@code
   * KeyStatusResponse} per line.
   */
  @Command(
      name = "ls-key",
      aliases = "ls-keys",
      mixinStandardHelpOptions = true,
      description = "List the keys whose names start with PREFIX (all by default).")
  public static final class LsKey extends ClientCommand.InEnclave {
    @Parameters(
        paramLabel = "PREFIX",
        arity = "0..1",
        defaultValue = "",
        description = "Name prefix.")
    String prefix;

    @Override
    protected int run(KmsClient client) throws CliException {
      String enclave = enclave();
      List<KeyStatusResponse> keys =
          allPages(
              next ->
                  client.listKeys(
                      enclave,
                      ListRequest.newBuilder().setPrefix(prefix).setContinueAt(next).build()),
              ListKeysResponse::getKeysList,
              ListKeysResponse::getContinueAt);
      if (json()) {
        printJson(keys);
        return 0;
      }
      Text.Table table = new Text.Table("Type", "Created", "Name");
      for (KeyStatusResponse k : keys) {
        table.row(k.getType(), Text.time(k.hasCreatedAt(), k.getCreatedAt()), k.getName());
      }
      out().print(table);
      return 0;
    }
  }

  /**
   * {@code minkms stat-key NAME... [-v VER] [--json]}: {@code KEY:STATUS} (204), one batch request.
   * Text: per key the lines {@code Name}, {@code Version}, {@code Type}, {@code Created}, {@code
   * Owner}, blocks separated by a blank line.
   */
  @Command(
      name = "stat-key",
      mixinStandardHelpOptions = true,
      description = "Show a key version's number, type, creation time and owner.")
  public static final class StatKey extends ClientCommand.InEnclave {
    @Parameters(paramLabel = "NAME", arity = "1..*", description = "The keys.")
    List<String> names;

    @Option(names = "-v", paramLabel = "VER", description = "The version (default: the latest).")
    Integer version;

    @Override
    protected void check() throws CliException {
      version(version);
    }

    @Override
    protected int run(KmsClient client) throws CliException {
      String enclave = enclave();
      List<KeyStatusRequest> requests = new ArrayList<>();
      for (String name : names) {
        requests.add(
            KeyStatusRequest.newBuilder().setName(name).setVersion(version(version)).build());
      }
      List<KeyStatusResponse> keys = client.keyStatus(enclave, requests);
      if (json()) {
        printJson(keys);
        return 0;
      }
      List<String> blocks = new ArrayList<>();
      for (KeyStatusResponse k : keys) {
        blocks.add(
            new Text.Block("", 10)
                .line("Name", k.getName())
                .line("Version", Integer.toUnsignedString(k.getVersion()))
                .line("Type", k.getType())
                .line("Created", Text.time(k.hasCreatedAt(), k.getCreatedAt()))
                .line("Owner", Text.orDash(k.getCreatedBy()))
                .toString());
      }
      out().print(String.join("\n", blocks));
      return 0;
    }
  }

  /**
   * {@code minkms keygen NAME [-v VER] [--json]}: {@code KEY:GENERATE} (207) of a 32-byte data key.
   * Text: {@code Plaintext <base64>} and {@code Ciphertext v<N>:<base64>}; {@code --json}: the
   * {@code GenerateKeyResponse} ({@code version}, {@code plaintext}, {@code ciphertext}).
   */
  @Command(
      name = "keygen",
      mixinStandardHelpOptions = true,
      description = {
        "Generate a data key: its plaintext and its ciphertext under the key.",
        "Decrypt the ciphertext with: minkms decrypt NAME v<N>:<BASE64>"
      })
  public static final class Keygen extends ClientCommand.InEnclave {
    @Parameters(paramLabel = "NAME", description = "The key.")
    String name;

    @Option(
        names = "-v",
        paramLabel = "VER",
        description = "The key version (default: the latest).")
    Integer version;

    @Override
    protected void check() throws CliException {
      version(version);
    }

    @Override
    protected int run(KmsClient client) throws CliException {
      GenerateKeyResponse r =
          client.generateKey(
              enclave(),
              GenerateKeyRequest.newBuilder().setName(name).setVersion(version(version)).build());
      if (json()) {
        printJson(List.of(r));
        return 0;
      }
      out()
          .print(
              new Text.Block("", 12)
                  .line(
                      "Plaintext",
                      Base64.getEncoder().encodeToString(r.getPlaintext().toByteArray()))
                  .line("Ciphertext", versioned(r.getVersion(), r.getCiphertext())));
      return 0;
    }
  }

  /**
   * {@code minkms decrypt NAME v<N>:<BASE64> [--json]}: {@code KEY:DECRYPT} (206). Text: the
   * plaintext as text when it is valid UTF-8, else as base64; {@code --json}: the {@code
   * DecryptResponse} ({@code plaintext} in base64). A ciphertext not of the form {@code
   * v<N>:<BASE64>} (N ≥ 1) is a usage error.
   */
  @Command(
      name = "decrypt",
      mixinStandardHelpOptions = true,
      description = "Decrypt a ciphertext v<VERSION>:<BASE64> made by keygen or encrypt.")
  public static final class Decrypt extends ClientCommand.InEnclave {
    @Parameters(index = "0", paramLabel = "NAME", description = "The key.")
    String name;

    @Parameters(
        index = "1",
        paramLabel = "DATA",
        description = "The ciphertext, v<VERSION>:<BASE64>.")
    String data;

    private int dataVersion;
    private byte[] ciphertext;

    @Override
    protected void check() throws CliException {
      Matcher m = CIPHERTEXT.matcher(data.strip());
      CliException invalid =
          CliException.usage("invalid ciphertext: want v<VERSION>:<BASE64>, as keygen prints it");
      if (!m.matches()) {
        throw invalid;
      }
      try {
        dataVersion = Integer.parseUnsignedInt(m.group(1));
        ciphertext = Base64.getDecoder().decode(m.group(2));
      } catch (IllegalArgumentException e) {
        throw invalid;
      }
      if (dataVersion == 0 || ciphertext.length == 0) {
        throw invalid;
      }
    }

    @Override
    protected int run(KmsClient client) throws CliException {
      DecryptResponse r =
          client.decrypt(
              enclave(),
              DecryptRequest.newBuilder()
                  .setName(name)
                  .setVersion(dataVersion)
                  .setCiphertext(ByteString.copyFrom(ciphertext))
                  .build());
      if (json()) {
        printJson(List.of(r));
        return 0;
      }
      byte[] plaintext = r.getPlaintext().toByteArray();
      out()
          .println(
              Text.utf8(plaintext).orElseGet(() -> Base64.getEncoder().encodeToString(plaintext)));
      return 0;
    }
  }

  /**
   * What {@code encrypt} and {@code mac} share: a key NAME, a UTF-8 text and {@code -v VER}
   * (default: the latest version, 0 on the wire); prints {@code v<N>:<base64>} of the answer's
   * bytes, or with {@code --json} the answer itself.
   *
   * @param <R> the answer's protobuf message
   */
  abstract static class KeyTextCommand<R extends Message> extends ClientCommand.InEnclave {
    @Parameters(index = "0", paramLabel = "NAME", description = "The key.")
    String name;

    @Option(
        names = "-v",
        paramLabel = "VER",
        description = "The key version (default: the latest).")
    Integer version;

    /** The text argument. */
    abstract String text();

    /** Sends the request for {@code text}'s UTF-8 bytes under key version {@code keyVersion}. */
    abstract R send(KmsClient client, int keyVersion, ByteString text) throws CliException;

    /** The key version that made the answer. */
    abstract int versionOf(R answer);

    /** The answer's bytes: the ciphertext or the MAC. */
    abstract ByteString bytesOf(R answer);

    @Override
    protected void check() throws CliException {
      version(version);
    }

    @Override
    protected int run(KmsClient client) throws CliException {
      R r = send(client, version(version), ByteString.copyFrom(text(), StandardCharsets.UTF_8));
      if (json()) {
        printJson(List.of(r));
        return 0;
      }
      out().println(versioned(versionOf(r), bytesOf(r)));
      return 0;
    }
  }

  /**
   * {@code minkms encrypt NAME PLAINTEXT [-v VER] [--json]} (ours; the reference CLI has no such
   * command): {@code KEY:ENCRYPT} (205) of the UTF-8 bytes of PLAINTEXT. Text: {@code
   * v<N>:<base64>}, which {@code decrypt} takes; {@code --json}: the {@code EncryptResponse}
   * ({@code version}, {@code ciphertext}).
   */
  @Command(
      name = "encrypt",
      mixinStandardHelpOptions = true,
      description = {
        "Encrypt a short text under a key; prints v<VERSION>:<BASE64>.",
        "Decrypt it with: minkms decrypt NAME v<VERSION>:<BASE64>"
      })
  public static final class Encrypt extends KeyTextCommand<EncryptResponse> {
    @Parameters(index = "1", paramLabel = "PLAINTEXT", description = "The text to encrypt.")
    String plaintext;

    @Override
    String text() {
      return plaintext;
    }

    @Override
    EncryptResponse send(KmsClient client, int keyVersion, ByteString text) throws CliException {
      return client.encrypt(
          enclave(),
          EncryptRequest.newBuilder()
              .setName(name)
              .setVersion(keyVersion)
              .setPlaintext(text)
              .build());
    }

    @Override
    int versionOf(EncryptResponse answer) {
      return answer.getVersion();
    }

    @Override
    ByteString bytesOf(EncryptResponse answer) {
      return answer.getCiphertext();
    }
  }

  /**
   * {@code minkms mac NAME MESSAGE [-v VER] [--json]} (ours): {@code KEY:MAC} (210) of the UTF-8
   * bytes of MESSAGE (HMAC-SHA256 under the key version's MAC subkey). Text: {@code v<N>:<base64 of
   * the 32-byte MAC>}; {@code --json}: the {@code MACResponse} ({@code version}, {@code mac}).
   */
  @Command(
      name = "mac",
      mixinStandardHelpOptions = true,
      description = {
        "Compute the MAC (HMAC-SHA256) of a message under a key.",
        "Prints v<VERSION>:<BASE64>; the same key version gives the same MAC."
      })
  public static final class Mac extends KeyTextCommand<MACResponse> {
    @Parameters(index = "1", paramLabel = "MESSAGE", description = "The message.")
    String message;

    @Override
    String text() {
      return message;
    }

    @Override
    MACResponse send(KmsClient client, int keyVersion, ByteString text) throws CliException {
      return client.mac(
          enclave(),
          MACRequest.newBuilder().setName(name).setVersion(keyVersion).setMessage(text).build());
    }

    @Override
    int versionOf(MACResponse answer) {
      return answer.getVersion();
    }

    @Override
    ByteString bytesOf(MACResponse answer) {
      return answer.getMAC();
    }
  }
}
