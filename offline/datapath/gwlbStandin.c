// The GWLB stand-in of the offline job's namespace mode: it takes the IPv4 packets arriving on two
// interfaces (the client side and the web side), wraps each in GENEVE with AWS's options (endpoint
// id, attachment id, flow cookie) and sends it over UDP to the appliance's port 6081 from one of a
// few source ports chosen by a symmetric flow hash (as GWLB keeps a flow on one port); what the
// appliance returns to our port 6081 is unwrapped and put out on the interface of its destination.
// Packets are never forwarded otherwise: the namespace has IP forwarding off.
//
//   gwlb-standin IF_A PEER_MAC_A NET_A/LEN IF_B PEER_MAC_B LOCAL_IP APPLIANCE_IP ENDPOINT_ID_HEX
//
// Prints "ready" once bound, and its counters when it gets SIGTERM or SIGINT.
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define GENEVE_PORT 6081
#define SOURCE_PORTS 4
#define MAX_PACKET 9200

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static void die(const char *what) {
  fprintf(stderr, "gwlb-standin: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int parse_mac(const char *text, unsigned char mac[6]) {
  return sscanf(text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

static int open_packet_socket(const char *ifname, int *ifindex) {
  int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
  if (fd < 0) die("AF_PACKET socket");
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_IP);
  sll.sll_ifindex = (int)if_nametoindex(ifname);
  if (sll.sll_ifindex == 0) die(ifname);
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) die("bind AF_PACKET");
  *ifindex = sll.sll_ifindex;
  return fd;
}

static uint32_t sum16(const unsigned char *p, size_t n, uint32_t sum) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += (uint32_t)(p[n - 1] << 8);
  return sum;
}

static uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

// Veth hands packets over with the transport checksum left to offload: complete it, or the
// receiving stack would drop what we re-inject.
static void complete_checksum(unsigned char *ip, size_t len) {
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  if (len < ihl + 8 || (ip[6] & 0x3f) != 0 || ip[7] != 0) return; // fragments keep theirs
  int proto = ip[9];
  size_t off = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 0;
  if (off == 0) return;
  size_t seg = len - ihl;
  unsigned char *l4 = ip + ihl;
  l4[off] = l4[off + 1] = 0;
  unsigned char pseudo[12];
  memcpy(pseudo, ip + 12, 8);
  pseudo[8] = 0;
  pseudo[9] = (unsigned char)proto;
  pseudo[10] = (unsigned char)(seg >> 8);
  pseudo[11] = (unsigned char)seg;
  uint16_t c = fold(sum16(l4, seg, sum16(pseudo, 12, 0)));
  if (proto == IPPROTO_UDP && c == 0) c = 0xffff;
  l4[off] = (unsigned char)(c >> 8);
  l4[off + 1] = (unsigned char)c;
}

// A hash both directions of a flow share: addresses and ports in sorted order.
static uint32_t flow_hash(const unsigned char *ip, size_t len) {
  uint32_t a, b, pa = 0, pb = 0;
  memcpy(&a, ip + 12, 4);
  memcpy(&b, ip + 16, 4);
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  if ((ip[9] == IPPROTO_TCP || ip[9] == IPPROTO_UDP) && len >= ihl + 4) {
    pa = (uint32_t)(ip[ihl] << 8 | ip[ihl + 1]);
    pb = (uint32_t)(ip[ihl + 2] << 8 | ip[ihl + 3]);
  }
  uint64_t x = ((uint64_t)a << 16 | pa), y = ((uint64_t)b << 16 | pb);
  uint64_t lo = x < y ? x : y, hi = x < y ? y : x;
  uint64_t h = (lo * 0x9e3779b97f4a7c15ull) ^ (hi + 0x632be59bd9b4e019ull + ip[9]);
  return (uint32_t)(h ^ (h >> 29));
}

static size_t put_option(unsigned char *out, int type, const unsigned char *data, size_t words) {
  out[0] = 0x01; // class 0x0108 (AWS)
  out[1] = 0x08;
  out[2] = (unsigned char)type;
  out[3] = (unsigned char)words;
  memcpy(out + 4, data, words * 4);
  return 4 + words * 4;
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: %s IF_A PEER_MAC_A NET_A/LEN IF_B PEER_MAC_B LOCAL_IP APPLIANCE_IP ENDPOINT_ID_HEX\n", argv[0]);
    return 2;
  }
  unsigned char mac_a[6], mac_b[6], endpoint[8], attachment[8] = {0};
  char net_text[64];
  snprintf(net_text, sizeof net_text, "%s", argv[3]);
  char *slash = strchr(net_text, '/');
  struct in_addr net_a, local, appliance;
  if (parse_mac(argv[2], mac_a) || parse_mac(argv[5], mac_b) || !slash) { fprintf(stderr, "gwlb-standin: bad MAC or network\n"); return 2; }
  *slash = 0;
  int prefix = atoi(slash + 1);
  if (inet_pton(AF_INET, net_text, &net_a) != 1 || inet_pton(AF_INET, argv[6], &local) != 1 || inet_pton(AF_INET, argv[7], &appliance) != 1) {
    fprintf(stderr, "gwlb-standin: bad address\n");
    return 2;
  }
  uint64_t id = strtoull(argv[8], NULL, 16);
  for (int i = 0; i < 8; i++) endpoint[i] = (unsigned char)(id >> (56 - 8 * i));
  uint32_t mask = prefix == 0 ? 0 : htonl(0xffffffffu << (32 - prefix));

  int if_a, if_b;
  int side_a = open_packet_socket(argv[1], &if_a);
  int side_b = open_packet_socket(argv[4], &if_b);
  struct sockaddr_in to_appliance = {.sin_family = AF_INET, .sin_port = htons(GENEVE_PORT), .sin_addr = appliance};
  int senders[SOURCE_PORTS];
  for (int i = 0; i < SOURCE_PORTS; i++) {
    senders[i] = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in from = {.sin_family = AF_INET, .sin_port = 0, .sin_addr = local};
    if (senders[i] < 0 || bind(senders[i], (struct sockaddr *)&from, sizeof from) < 0) die("bind source port");
    if (connect(senders[i], (struct sockaddr *)&to_appliance, sizeof to_appliance) < 0) die("connect to the appliance");
  }
  int returns = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in on_6081 = {.sin_family = AF_INET, .sin_port = htons(GENEVE_PORT), .sin_addr = local};
  if (returns < 0 || bind(returns, (struct sockaddr *)&on_6081, sizeof on_6081) < 0) die("bind 6081");

  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  printf("ready\n");
  fflush(stdout);

  unsigned long wrapped = 0, unwrapped = 0, malformed = 0;
  unsigned char in[MAX_PACKET], out[MAX_PACKET + 64];
  struct pollfd fds[3] = {{side_a, POLLIN, 0}, {side_b, POLLIN, 0}, {returns, POLLIN, 0}};
  while (!stopping) {
    if (poll(fds, 3, 200) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    for (int s = 0; s < 2; s++) {
      if (!(fds[s].revents & POLLIN)) continue;
      struct sockaddr_ll from;
      socklen_t fromlen = sizeof from;
      ssize_t n = recvfrom(fds[s].fd, in, sizeof in, 0, (struct sockaddr *)&from, &fromlen);
      if (n < 20 || from.sll_pkttype == PACKET_OUTGOING || (in[0] >> 4) != 4) continue;
      complete_checksum(in, (size_t)n);
      uint32_t hash = flow_hash(in, (size_t)n);
      unsigned char cookie[4] = {(unsigned char)(hash >> 24), (unsigned char)(hash >> 16), (unsigned char)(hash >> 8), (unsigned char)hash};
      size_t at = 8;
      at += put_option(out + at, 1, endpoint, 2);
      at += put_option(out + at, 2, attachment, 2);
      at += put_option(out + at, 3, cookie, 1);
      memset(out, 0, 8);
      out[0] = (unsigned char)((at - 8) / 4); // version 0, option length in 4-byte words
      out[2] = 0x08;                          // protocol type IPv4
      out[3] = 0x00;
      memcpy(out + at, in, (size_t)n);
      if (send(senders[hash % SOURCE_PORTS], out, at + (size_t)n, 0) >= 0) wrapped++;
    }
    if (fds[2].revents & POLLIN) {
      ssize_t n = recv(returns, out, sizeof out, 0);
      size_t header = n >= 8 ? 8 + (size_t)(out[0] & 0x3f) * 4 : 0;
      if (n < 8 || (size_t)n < header + 20) { malformed++; continue; }
      unsigned char *ip = out + header;
      size_t len = (size_t)n - header;
      uint32_t dst;
      memcpy(&dst, ip + 16, 4);
      int to_a = (dst & mask) == (net_a.s_addr & mask);
      struct sockaddr_ll link;
      memset(&link, 0, sizeof link);
      link.sll_family = AF_PACKET;
      link.sll_protocol = htons(ETH_P_IP);
      link.sll_ifindex = to_a ? if_a : if_b;
      link.sll_halen = 6;
      memcpy(link.sll_addr, to_a ? mac_a : mac_b, 6);
      if (sendto(to_a ? side_a : side_b, ip, len, 0, (struct sockaddr *)&link, sizeof link) >= 0) unwrapped++;
    }
  }
  printf("wrapped %lu returned %lu malformed %lu\n", wrapped, unwrapped, malformed);
  return 0;
}
