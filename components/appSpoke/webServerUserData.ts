/**
 * User data for the sample web servers: the seed's "Gateway Load Balancer Test" page, filled from
 * instance metadata through IMDSv2 (the launch template requires session tokens).
 */
export function webServerUserData(port: number): string {
  return `#!/bin/bash
set -euo pipefail
dnf install -y httpd
TOKEN=$(curl -sS -X PUT "http://169.254.169.254/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
metadata() { curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" "http://169.254.169.254/latest/meta-data/$1"; }
cat > /var/www/html/index.html <<PAGE
<h1>Gateway Load Balancer Test:</h1>
<html><h2>My Private IP is: $(metadata local-ipv4)</h2></html>
<html><h2>My Host Name is: $(metadata local-hostname)</h2></html>
<html><h2>My instance-id is: $(metadata instance-id)</h2></html>
<html><h2>My instance-type is: $(metadata instance-type)</h2></html>
<html><h2>My placement/availability-zone is: $(metadata placement/availability-zone)</h2></html>
PAGE
sed -i "s/^Listen .*/Listen ${port}/" /etc/httpd/conf/httpd.conf
systemctl enable --now httpd
`;
}
