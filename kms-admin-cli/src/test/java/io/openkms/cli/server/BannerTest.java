package io.openkms.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link Banner}: the start-up block of docs/REFERENCE.md §14 step 3. */
class BannerTest {

  @Test
  void deploymentGuideExample() {
    Banner banner =
        new Banner(
            "2025-11-12T19-14-51Z",
            "hsm:minio:soft",
            "a8780bd2-a31c-49dd-953b-2c7619ae3249",
            new TreeMap<>(Map.of(0, "minkms-node0.example.net:7373")),
            0,
            "https://minkms-node0.example.net:7373",
            "k1:APIKEY",
            Optional.empty());
    assertEquals(
        """
                Version        2025-11-12T19-14-51Z
                HSM            hsm:minio:soft
                Cluster        ID      a8780bd2-a31c-49dd-953b-2c7619ae3249
                               Node 0: minkms-node0.example.net:7373 <-

                Endpoint       https://minkms-node0.example.net:7373
                API Key        k1:APIKEY

                => Server is up and running...
                """,
        banner.render());
  }

  @Test
  void threeNodesInIdOrderAndATlsNote() {
    Banner banner =
        new Banner(
            "2025-11-12T19-14-51Z",
            "hsm:minio:soft",
            "a8780bd2-a31c-49dd-953b-2c7619ae3249",
            new TreeMap<>(Map.of(2, "n2:7373", 0, "n0:7373", 1, "n1:7373")),
            1,
            "https://n1:7373",
            "k1:APIKEY",
            Optional.of("generated a self-signed certificate for n1"));
    assertEquals(
        """
                Version        2025-11-12T19-14-51Z
                HSM            hsm:minio:soft
                Cluster        ID      a8780bd2-a31c-49dd-953b-2c7619ae3249
                               Node 0: n0:7373
                               Node 1: n1:7373 <-
                               Node 2: n2:7373

                Endpoint       https://n1:7373
                API Key        k1:APIKEY
                TLS            generated a self-signed certificate for n1

                => Server is up and running...
                """,
        banner.render());
  }

  @Test
  void anAdminIdentitySaysTheApiKeyIsNotTheAdmin() {
    Banner banner =
        new Banner(
            "2025-11-12T19-14-51Z",
            "hsm:minio:soft",
            "a8780bd2-a31c-49dd-953b-2c7619ae3249",
            Map.of(0, "n0:7373"),
            0,
            "https://n0:7373",
            "k1:APIKEY",
            Optional.empty(),
            Optional.of("h1:ADMIN"));
    assertEquals(
        """
                Version        2025-11-12T19-14-51Z
                HSM            hsm:minio:soft
                Cluster        ID      a8780bd2-a31c-49dd-953b-2c7619ae3249
                               Node 0: n0:7373 <-

                Endpoint       https://n0:7373
                API Key        k1:APIKEY
                Admin          h1:ADMIN (admin.identity; the API key above is not the admin)

                => Server is up and running...
                """,
        banner.render());
  }
}
