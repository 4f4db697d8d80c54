<?php
// Asks PHP's memcached extension where keys go, for PhpMemcachedPlacementIT. Standard input:
//   new                       a fresh Memcached object
//   option NAME VALUE         setOption(Memcached::OPT_NAME, VALUE); VALUE a Memcached constant name or a number
//   server HOST PORT WEIGHT   addServer
//   keys N                    then N hex-encoded keys; prints the index (in addServer order) of each key's server
// getServerByKey only computes the placement: no server is contacted.
$m = null;
$servers = [];
$in = fopen('php://stdin', 'r');
while (($line = fgets($in)) !== false) {
    $f = preg_split('/\s+/', trim($line));
    if ($f[0] === '') {
        continue;
    }
    switch ($f[0]) {
        case 'new':
            $m = new Memcached();
            $servers = [];
            break;
        case 'option':
            $value = is_numeric($f[2]) ? (int) $f[2] : constant('Memcached::' . $f[2]);
            if (!$m->setOption(constant('Memcached::OPT_' . $f[1]), $value)) {
                fwrite(STDERR, "setOption $f[1] failed\n");
                exit(2);
            }
            break;
        case 'server':
            $m->addServer($f[1], (int) $f[2], (int) $f[3]);
            $servers[$f[1] . ':' . $f[2]] = count($servers);
            break;
        case 'keys':
            for ($i = 0; $i < (int) $f[1]; $i++) {
                $s = $m->getServerByKey(hex2bin(trim(fgets($in))));
                echo $servers[$s['host'] . ':' . $s['port']], "\n";
            }
            break;
        default:
            fwrite(STDERR, "bad command: $line");
            exit(2);
    }
}
