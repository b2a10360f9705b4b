#!/bin/sh
. /lib/vmtest.sh
W=/usr/local/bin/workload
I=$T/instances/histx
mkdir $I
E=$I/events/skb/kfree_skb
N=$I/events/net/netif_receive_skb
echo 'hist:keys=reason,location:vals=hitcount:size=256' > $E/trigger; echo "rc1=$?"
echo 'hist:keys=name:vals=hitcount if len == 92' > $N/trigger; echo "rc2=$?"
echo 'hist:keys=common_type:vals=hitcount' > $I/events/net/net_dev_queue/trigger; echo "rc3=$?"
echo 'hist:keys=common_pid.execname:vals=hitcount' > $I/events/net/netif_rx/trigger; echo "rc3b=$?"
cat $I/events/skb/kfree_skb/enable $I/tracing_on
$W udp-send 127.0.0.1 9 50
echo "---- trigger kfree"; cat $E/trigger
echo "---- hist kfree"; cat $E/hist
echo "---- trigger netif"; cat $N/trigger
echo "---- hist netif"; cat $N/hist
echo "---- hist dev_queue"; cat $I/events/net/net_dev_queue/hist
echo "---- per_cpu raw bytes"; cat $I/per_cpu/cpu0/stats
echo 0 > $I/tracing_on
$W udp-send 127.0.0.1 9 7
echo "---- hist kfree after tracing_on=0"; grep Hits $E/hist
echo '!hist:keys=reason,location:vals=hitcount:size=256' >> $E/trigger; echo "rm1=$?"
echo "!$(sed 's/ \[active\]//' $N/trigger)" >> $N/trigger; echo "rm2=$?"
cat $N/trigger
echo '!hist:keys=common_type:vals=hitcount' >> $I/events/net/net_dev_queue/trigger; echo "rm3=$?"
echo '!hist:keys=common_pid.execname:vals=hitcount' >> $I/events/net/netif_rx/trigger
rmdir $I; echo "rmdir=$?"
vm_done
