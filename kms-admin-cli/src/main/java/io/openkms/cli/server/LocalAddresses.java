package io.openkms.cli.server;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The machine's IP addresses, in network-interface order (replaceable in tests). */
@FunctionalInterface
public interface LocalAddresses {

  /** Every address of every network interface that is up, loopback included. */
  List<InetAddress> addresses() throws SocketException;

  /** The addresses of this machine's network interfaces ({@link NetworkInterface}). */
  LocalAddresses SYSTEM =
      () -> {
        List<InetAddress> result = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
          if (nic.isUp()) {
            result.addAll(Collections.list(nic.getInetAddresses()));
          }
        }
        return result;
      };
}
