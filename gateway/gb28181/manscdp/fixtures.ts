// Bodies shaped like what real devices send, for the tests and the fuzzer:
// CRLF line ends, mixed indentation, an NVR answering in several messages,
// empty optional fields, coordinates of 0, and tag-case differences.
import iconv from 'iconv-lite';

/** An NVR (type 111 → here 118) answering 4 channels over 2 messages; this is the first. */
export const HIK_CATALOG_1 = `<?xml version="1.0" encoding="GB2312"?>\r
<Response>\r
<CmdType>Catalog</CmdType>\r
<SN>17430</SN>\r
<DeviceID>34020000001180000001</DeviceID>\r
<SumNum>4</SumNum>\r
<DeviceList Num="2">\r
<Item>\r
<DeviceID>34020000001310000001</DeviceID>\r
<Name>东门入口</Name>\r
<Manufacturer>Hikvision</Manufacturer>\r
<Model>DS-2CD3T46WDV3</Model>\r
<Owner>Owner</Owner>\r
<CivilCode>3402000000</CivilCode>\r
<Address>东门 1 号杆</Address>\r
<Parental>0</Parental>\r
<ParentID>34020000001180000001</ParentID>\r
<SafetyWay>0</SafetyWay>\r
<RegisterWay>1</RegisterWay>\r
<Secrecy>0</Secrecy>\r
<Status>ON</Status>\r
<Longitude>117.2272</Longitude>\r
<Latitude>31.8206</Latitude>\r
</Item>\r
<Item>\r
<DeviceID>34020000001310000002</DeviceID>\r
<Name>停车场 &amp; 坡道</Name>\r
<Manufacturer>Hikvision</Manufacturer>\r
<Model>DS-2DE4425IW</Model>\r
<Owner>Owner</Owner>\r
<CivilCode>3402000000</CivilCode>\r
<Address></Address>\r
<Parental>0</Parental>\r
<ParentID>34020000001180000001</ParentID>\r
<RegisterWay>1</RegisterWay>\r
<Secrecy>0</Secrecy>\r
<Status>OFF</Status>\r
<Longitude>0.0</Longitude>\r
<Latitude>0.0</Latitude>\r
</Item>\r
</DeviceList>\r
</Response>\r
`;

/** The second message of the same answer: a virtual organisation and a channel under it. */
export const HIK_CATALOG_2 = `<?xml version="1.0" encoding="GB2312"?>
<Response>
<CmdType>Catalog</CmdType>
<SN>17430</SN>
<DeviceID>34020000001180000001</DeviceID>
<SumNum>4</SumNum>
<DeviceList Num="2">
<Item>
<DeviceID>34020000002160000001</DeviceID>
<Name>一号楼</Name>
<ParentID>34020000002150000001</ParentID>
</Item>
<Item>
<DeviceID>34020000001310000003</DeviceID>
<Name>一号楼大厅</Name>
<Manufacturer>Hikvision</Manufacturer>
<Parental>0</Parental>
<ParentID>34020000002160000001</ParentID>
<Status>ON</Status>
</Item>
</DeviceList>
</Response>
`;

/** Dahua-style IPC: UTF-8, indented, ONLINE instead of ON, Num disagreeing with the items sent. */
export const DAHUA_CATALOG = `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <CmdType>Catalog</CmdType>
  <SN>2</SN>
  <DeviceID>34020000001320000101</DeviceID>
  <SumNum>2</SumNum>
  <DeviceList Num="3">
    <Item>
      <DeviceID>34020000001320000101</DeviceID>
      <Name>西广场球机</Name>
      <Manufacturer>Dahua</Manufacturer>
      <Model>DH-SD6C3425XB</Model>
      <Owner>0</Owner>
      <CivilCode>340200</CivilCode>
      <Address>西广场</Address>
      <Parental>0</Parental>
      <ParentID>34020000001320000101</ParentID>
      <RegisterWay>1</RegisterWay>
      <Secrecy>0</Secrecy>
      <IPAddress>192.168.1.108</IPAddress>
      <Port>5060</Port>
      <Status>ONLINE</Status>
      <Longitude>117.3001</Longitude>
      <Latitude>31.7905</Latitude>
    </Item>
    <Item>
      <DeviceID>34020000001340000001</DeviceID>
      <Name>报警输入1</Name>
      <Parental>0</Parental>
      <Status>offline</Status>
      <Longitude>200</Longitude>
      <Latitude>31.5</Latitude>
    </Item>
  </DeviceList>
</Response>
`;

/** A device that writes tags in its own case and a lower-case Num. */
export const LOWERCASE_CATALOG = `<?xml version="1.0"?>
<response><cmdtype>catalog</cmdtype><sn>9</sn><deviceId>34020000001320000201</deviceId><sumnum>1</sumnum>
<devicelist num="1"><item><deviceId>34020000001320000201</deviceId><name>Lobby</name><status>on</status><parental>1</parental></item></devicelist></response>`;

export const KEEPALIVE = `<?xml version="1.0" encoding="GB2312"?>
<Notify>
<CmdType>Keepalive</CmdType>
<SN>531</SN>
<DeviceID>34020000001180000001</DeviceID>
<Status>OK</Status>
<Info>
</Info>
</Notify>
`;

export const DEVICE_INFO = `<?xml version="1.0" encoding="GB2312"?>
<Response>
<CmdType>DeviceInfo</CmdType>
<SN>17431</SN>
<DeviceID>34020000001180000001</DeviceID>
<Result>OK</Result>
<DeviceName>园区NVR</DeviceName>
<Manufacturer>Hikvision</Manufacturer>
<Model>DS-7608N-K2</Model>
<Firmware>V4.30.085</Firmware>
<Channel>8</Channel>
</Response>
`;

export const DEVICE_STATUS = `<?xml version="1.0" encoding="UTF-8"?>
<Response>
<CmdType>DeviceStatus</CmdType>
<SN>17432</SN>
<DeviceID>34020000001320000101</DeviceID>
<Result>OK</Result>
<Online>ONLINE</Online>
<Status>OK</Status>
<Encode>ON</Encode>
<Record>OFF</Record>
<DeviceTime>2024-05-01T08:30:00</DeviceTime>
<Alarmstatus Num="1">
<Item>
<DeviceID>34020000001340000001</DeviceID>
<DutyStatus>OFFDUTY</DutyStatus>
</Item>
</Alarmstatus>
</Response>
`;

export const ALARM = `<?xml version="1.0" encoding="GB2312"?>
<Notify>
<CmdType>Alarm</CmdType>
<SN>744523</SN>
<DeviceID>34020000001340000001</DeviceID>
<AlarmPriority>1</AlarmPriority>
<AlarmMethod>5</AlarmMethod>
<AlarmTime>2024-05-01T08:31:12</AlarmTime>
<AlarmDescription>区域入侵</AlarmDescription>
<Longitude>117.3001</Longitude>
<Latitude>31.7905</Latitude>
<Info>
<AlarmType>2</AlarmType>
<AlarmTypeParam>
<EventType>1</EventType>
</AlarmTypeParam>
</Info>
</Notify>
`;

export const PTZ_CONTROL = `<?xml version="1.0" encoding="UTF-8"?>
<Control>
<CmdType>DeviceControl</CmdType>
<SN>11</SN>
<DeviceID>34020000001310000001</DeviceID>
<PTZCmd>a50f0108808000bd</PTZCmd>
<Info>
<ControlPriority>5</ControlPriority>
</Info>
</Control>
`;

export const CATALOG_QUERY = `<?xml version="1.0" encoding="GB2312"?>
<Query>
<CmdType>Catalog</CmdType>
<SN>17430</SN>
<DeviceID>34020000001180000001</DeviceID>
</Query>
`;

export const ALL_FIXTURES = [HIK_CATALOG_1, HIK_CATALOG_2, DAHUA_CATALOG, LOWERCASE_CATALOG, KEEPALIVE, DEVICE_INFO, DEVICE_STATUS, ALARM, PTZ_CONTROL, CATALOG_QUERY];

export const gb2312 = (xml: string): Buffer => iconv.encode(xml, 'gb2312');
