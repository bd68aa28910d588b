// Which client a throttle counts: the address, as a bucket an attacker cannot multiply.
import { isIPv4, isIPv6 } from 'node:net';

/** Everything that is not an IP address shares one bucket: such a value is never a key. */
export const NOT_AN_ADDRESS = 'not-an-ip';

/**
 * IPv4 as is (IPv4-mapped IPv6 too); IPv6 by its /64 prefix, the block one subscriber is
 * normally given, so one attacker cannot count as 2^64 clients.
 */
export function throttleAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return mapped;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return NOT_AN_ADDRESS;
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, without zone and leading zeros. */
function expandIPv6(ip: string): string[] {
  const bare = ip.split('%', 1)[0] ?? ip;
  // A trailing dotted IPv4 part ("64:ff9b::192.0.2.1") is two groups.
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(bare);
  const hex = dotted
    ? `${dotted[1]}${((Number(dotted[2]) << 8) | Number(dotted[3])).toString(16)}:${((Number(dotted[4]) << 8) | Number(dotted[5])).toString(16)}`
    : bare;
  const [head = '', tail] = hex.split('::', 2);
  const parts = (s: string) => (s === '' ? [] : s.split(':'));
  let groups = parts(head);
  if (tail !== undefined) {
    const back = parts(tail);
    groups = [...groups, ...Array<string>(8 - groups.length - back.length).fill('0'), ...back];
  }
  return groups.map((g) => (Number.parseInt(g, 16) || 0).toString(16));
}
