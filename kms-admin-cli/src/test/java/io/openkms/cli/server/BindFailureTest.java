package io.openkms.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Bind failures name their cause (issue 16, point 3), not always "address already in use". */
class BindFailureTest {

  private static String bind(String host, int port) throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
      return "bound";
    } catch (IOException e) {
      return BindFailure.reason(e);
    }
  }

  @Test
  void realBindFailuresOfThisHost() throws Exception {
    assertEquals("cannot assign requested address", bind("10.99.99.99", 0));
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      assertEquals("address already in use", bind("127.0.0.1", taken.getLocalPort()));
    }
  }

  @Test
  void messagesOfJavaAndPekko() {
    assertEquals("permission denied", BindFailure.reason("Permission denied (Bind failed)"));
    assertEquals(
        "cannot assign requested address",
        BindFailure.reason("[/10.99.99.99:7373] Cannot assign requested address"));
    assertEquals(
        "address already in use", BindFailure.reason("Address already in use (Bind failed)"));
    assertEquals("network is unreachable", BindFailure.reason("Network is unreachable"));
  }
}
