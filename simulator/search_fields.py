"""The fields of WxCC's search records, as Cisco's data dictionaries list them
(WebexSamples/webex-contact-center-api-samples, reporting-samples/graphql-sample/DataDictionary:
CSR.md, CAR.md, ASR.md, AAR.md, CLR.md), plus the few names Cisco's sample queries select that
the dictionaries leave out (noted below). graphql_schema.py turns them into the GraphQL schema.

Each catalogue is `name:Type` words; Type is a GraphQL scalar (String, Int, Long, Float,
Boolean, JSON) or ChannelType. A trailing `!nf` marks a field the dictionary says cannot be
filtered on. Object-valued fields are declared next to each catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    filterable: bool = True


def parse(catalogue: str) -> tuple[Field, ...]:
    fields = []
    for word in catalogue.split():
        name, _, kind = word.partition(":")
        kind, _, flag = kind.partition("!")
        fields.append(Field(name, kind, filterable=flag != "nf"))
    return tuple(fields)


# CSR (taskDetails / task). `sentiment` is selected in Cisco's TME lab query; `queue` (a list)
# is the older `task` query's (OAS example).
CSR = parse("""
    id:String status:String channelType:ChannelType createdTime:Long!nf endedTime:Long
    origin:String destination:String contactReason:String direction:String
    terminationType:String channelSubType:String isActive:Boolean isCampaign:Boolean
    outdialType:String isCallback:Boolean cpaStatus:String recordingLocation:String!nf
    preferredAgentSystemId:String terminationReason:String ivrScriptName:String
    ivrScriptTagName:String abandonedType:String contactHandleType:String
    firstQueueName:String terminatingEnd:String lastWrapUpCodeId:String
    lastWrapupCodeName:String abandonedSlCount:Int agentHangupCount:Int botName:String
    chainedInToEPCount:Int chainedInToQueueCount:Int emailBody:String emailContent:String
    emailContentType:String emailDate:Long emailFullMessage:String emailMessageId:String
    emailRef:String emailReplyBody:String emailReplyContentType:String
    epTransferToEPCount:Int firstQueueId:String fullMonitoringCount:Int
    isHandledByPreferredAgent:Boolean ivrEndedCount:Int midcallMonitoringCount:Int
    emailBccList:String emailCcList:String emailReplyTo:String emailToList:String
    isEmailSent:Boolean emailHasAttachments:Boolean routingType:String ivrScriptId:String
    ivrScriptTagId:String campaignId:String campaignName:String campaignStatus:String
    flowActivityName:String flowActivitySequence:String totalDuration:Long csatScore:Int
    blindTransferCount:Int conferenceCount:Int conferenceDuration:Long!nf consultCount:Int
    consultDuration:Long!nf holdCount:Int holdDuration:Long selfserviceCount:Int
    selfserviceDuration:Long connectedCount:Int connectedDuration:Long
    consultToQueueCount:Int consultToQueueDuration:Long!nf transferCount:Int
    wrapupDuration:Long ringingDuration:Long queueDuration:Long queueCount:Int
    captureRequested:Boolean isTranscriptionAvailable:Boolean consultToEPCount:Int!nf
    consultToEPDuration:Long!nf outdialConsultToEPCount:Int
    outdialConsultToEPDuration:Long!nf agentToDnTransferCount:Int
    agentToAgentTransferCount:Int callCompletedCount:Int autoCsat:String!nf
    matchedSkills:JSON!nf requiredSkills:JSON!nf matchedSkillsProfile:String
    skillsAssignedIn:String isWithInServiceLevel:Boolean isContactOffered:Boolean
    transferErrorCount:Int isContactEscalatedToQueue:Boolean isOptOutOfQueue:Boolean
    isContactHandled:Boolean outdialConsultToQueueCount:Int outdialConsultCount:Int
    overflowCount:Int pausedCount:Int pausedDuration:Long previousAgentId:String
    previousAgentSessionId:String previousAgentName:String queueTransferToEPCount:Int
    queueTransferToQueueCount:Int recordingFileSize:Long recordingCount:Int
    recordingErrorCount:Int resumedCount:Int shortInIVRCount:Int shortInQueueCount:Int
    silentMonitoringCount:Int recordingStereoBlobId:String suddenDisconnectCount:Int
    totalMonitoringCount:Int outdialConsultToQueueDuration:Long transferInToEPCount:Int
    isOutdial:Boolean monitoringTimestamp:Long isRecordingDeleted:Boolean
    isMonitored:Boolean monitorFullName:String isBarged:Boolean bargedInDuration:Long
    bargedInCount:Int bargedInFailedCount:Int preferredAgentName:String
    agentTransferedInCount:Int agentToEntrypointTransferCount:Int
    agentToQueueTransferCount:Int totalBnrDuration:Long lastActivityTime:Long
    postCallDuration:Long manualAssignCount:Int contactPriority:Int
    globalVariables:JSON!nf sentiment:String!nf
""")
# CSR object fields -> GraphQL type (filter types follow from these names).
CSR_OBJECTS = {
    "customer": "Customer",
    "channelMetaData": "ChannelMetaData",
    "callbackData": "CallbackData",
    "lastQueue": "QueueEntity",
    "previousQueue": "Entity",
    "lastSite": "Entity",
    "lastTeam": "Entity",
    "lastEntryPoint": "Entity",
    "lastAgent": "AgentEntity",
    "owner": "AgentEntity",
    "feedback": "Feedback",
}
# Lists of entities a CSR carries (Cisco's extFilter samples select and filter on them).
CSR_LISTS = {
    "queues": "QueueEntity",
    "teams": "Entity",
    "contributors": "Entity",
    "sites": "Entity",
}
# A filter name seen only in Cisco's aggregation sub-filter sample ("isWithinSLA").
CSR_FILTER_ONLY = parse("isWithinSLA:Boolean")

# CAR: taskDetails `activities.nodes`.
CAR = parse("""
    id:String isActive:Boolean createdTime:Long endedTime:Long agentId:String
    agentName:String agentPhoneNumber:String agentSessionId:String agentChannelId:String
    entrypointId:String entrypointName:String queueId:String queueName:String siteId:String
    siteName:String teamId:String teamName:String transferType:String activityType:String
    activityName:String eventName:String previousState:String nextState:String
    consultEpId:String consultEpName:String childContactId:String childContactType:String
    duration:Long destinationAgentPhoneNumber:Long destinationAgentId:String
    destinationAgentName:String destinationAgentSessionId:String
    destinationAgentChannelId:String destinationAgentTeamId:String
    destinationAgentTeamName:String destinationQueueName:String destinationQueueId:String
    terminationReason:String ivrScriptId:String ivrScriptName:String ivrScriptTagId:String
    ivrScriptTagName:String bnrMode:String!nf lastActivityTime:Long
""")

# ASR: agentSession.
ASR = parse("""
    isActive:Boolean agentId:String agentName:String agentSessionId:String
    agentSignOutReason:String userLoginId:String endTime:Long startTime:Long state:String
    siteId:String siteName:String teamId:String teamName:String orgId:String orgName:String
    multiMediaProfileType:String skillsProfile:String agentSkills:JSON!nf
    parentOrgId:String parentOrgName:String
""")
# ASR `channelInfo` (a list: one element per channel of the session).
CHANNEL_INFO = parse("""
    channelId:String channelType:String totalDuration:Long agentPhoneNumber:String
    currentState:String ringingDuration:Long ringingCount:Int outdialRingingCount:Int
    outdialRingingDuration:Long idleCount:Int idleDuration:Long availableCount:Int
    availableDuration:Long connectedCount:Int connectedDuration:Long
    outdialConnectedCount:Int outdialConnectedDuration:Long conferenceCount:Int
    conferenceDuration:Long outdialConferenceCount:Int outdialConferenceDuration:Long
    consultAnswerCount:Int consultAnswerDuration:Long outdialConsultAnswerCount:Int
    outdialConsultAnswerDuration:Long consultRequestCount:Int consultRequestDuration:Long
    outdialConsultRequestCount:Int outdialConsultRequestDuration:Long consultCount:Int
    consultDuration:Long outdialConsultCount:Int outdialConsultDuration:Long
    consultToQueueAnswerCount:Int consultToQueueAnswerDuration:Long
    outdialConsultToQueueAnswerCount:Int outdialConsultToQueueAnswerDuration:Long
    consultToQueueRequestCount:Int consultToQueueRequestDuration:Long
    outdialConsultToQueueRequestCount:Int outdialConsultToQueueRequestDuration:Long
    consultToQueueCount:Int consultToQueueDuration:Long holdCount:Int holdDuration:Long
    outdialHoldCount:Int outdialHoldDuration:Long notRespondedCount:Int
    notRespondedDuration:Long outdialNotRespondedCount:Int outdialNotRespondedDuration:Long
    wrapupCount:Int wrapupDuration:Long outdialWrapupCount:Int outdialWrapupDuration:Long
    disconnectedCount:Int agentToAgentTransferCount:Int outdialAgentToAgentTransferCount:Int
    outdialAgentTransferToQueueRequestCount:Int agentTransferToQueueRequestCount:Int
    blindTransferCount:Int outdialBlindTransferCount:Int outdialCount:Int
    outdialTransferCount:Int disconnectedHoldCallsCount:Int transferCount:Int
    subChannelType:String outdialConsultTransferDuration:Long callBackCount:Int
    lastActivityTime:Long idleCodeName:String consultToEpRequestedCount:Int
    consultToEpRequestedDuration:Long consultToEpAnsweredCount:Int
    consultToEpAnsweredDuration:Long outdialConsultToEpRequestedCount:Int
    outdialConsultToEpRequestedDuration:Long outdialConsultToEpAnsweredCount:Int
    outdialConsultToEpAnsweredDuration:Long totalReservationTime:Long reservationCount:Int
""")

# AAR: agentSession `channelInfo.activities.nodes`.
AAR = parse("""
    id:String startTime:Long!nf endTime:Long!nf duration:Long state:String taskId:String
    isOutdial:Boolean outboundType:String isCurrentActivity:Boolean
    isLoginActivity:Boolean isLogoutActivity:Boolean changedById:String
    changedByName:String contactAssignmentType:String reason:String sentimentScore:Int
""")
AAR_OBJECTS = {
    "idleCode": "Entity",
    "queue": "Entity",
    "wrapupCode": "Entity",
    "agentBurnout": "AgentBurnout",
}

# CLR: taskLegDetails. `consultCount` is selected in Cisco's CLR sample query.
CLR = parse("""
    id:String taskId:String createdTime:Long!nf endedTime:Long!nf lastActivityTime:Long
    isActive:Boolean status:String contactState:String destination:String origin:String
    channelType:ChannelType channelSubType:String monitorFullName:String isBarged:Boolean
    bargedInDuration:Long bargedInCount:Int bargedInFailedCount:Int
    isContactOffered:Boolean isWithinServiceLevel:Boolean ringingDuration:Long
    direction:String ivrScriptId:String ivrScriptName:String ivrScriptTagId:String
    ivrScriptTagName:String terminatingEnd:String terminationReason:String
    contactReason:String botName:String preferredAgentSystemId:String
    preferredAgentName:String isHandledByPreferredAgent:Boolean routingType:String
    callType:String lastWrapupCodeName:String wrapupDuration:Long isOutdial:Boolean
    isMonitored:Boolean totalMonitoringCount:Int silentMonitoringCount:Int
    fullMonitoringCount:Int midcallMonitoringCount:Int abandonedType:String
    blindTransferCount:Int resumedCount:Int transferCount:Int queueCount:Int
    overflowCount:Int transferErrorCount:Int taskLegCount:Int handleType:String
    isTaskLegHandled:Boolean isOptOutOfQueue:Boolean optOutOfQueueTimestamp:Long
    connectedCount:Int connectedDuration:Long holdCount:Int holdDuration:Long
    consultCount:Int consultDuration:Long outdialConsultCount:Int
    outdialConsultDuration:Long outdialConferenceCount:Int outdialConferenceDuration:Long
    conferenceDuration:Long selfserviceDuration:Long selfserviceCount:Int
    consultToQueueCount:Int consultToQueueDuration:Long outdialConsultToQueueCount:Int
    outdialConsultToQueueDuration:Long pausedDuration:Long pausedCount:Int slaValue:String
    handleTime:Long consultEpId:String consultEpName:String childContactId:String
    childContactType:String isChildLeg:Boolean consultToEPCount:Int
    consultToEPDuration:Long outdialConsultToEPCount:Int outdialConsultToEPDuration:Long
    abandonedSlCount:Int agentToDnTransferCount:Int agentToQueueTransferCount:Int
    agentTransferedInCount:Int matchedSkills:JSON requiredSkills:JSON
    matchedSkillsProfile:String skillsAssignedIn:String consultToQueueHandledCount:Int
    outdialConsultToQueueHandledCount:Int interQueueBlindTransferCount:Int
    interQueueConsultTransferCount:Int consultSuccessCount:Int conferenceSuccessCount:Int
    blindTransferToAgentCount:Int queuedTo:String consultToAgentErrorCount:Int
    consultToQueueErrorCount:Int outdialConsultToQueueErrorCount:Int
    consultToEpErrorCount:Int consultToDnErrorCount:Int
""")
CLR_OBJECTS = {
    "entryPoint": "Entity",
    "queue": "QueueEntity",
    "owner": "AgentEntity",
    "site": "Entity",
    "team": "Entity",
    "customer": "Customer",
    "nextDestination": "NextDestination",
}

# Small object types shared by the records: name -> catalogue, plus nested objects.
OBJECT_TYPES: dict[str, tuple[tuple[Field, ...], dict[str, str]]] = {
    "Entity": (parse("id:String name:String"), {}),
    "QueueEntity": (parse("id:String name:String duration:Long"), {}),
    "AgentEntity": (
        parse(
            "id:String name:String signInId:String sessionId:String phoneNumber:String"
            " channelId:String"
        ),
        {},
    ),
    "Customer": (parse("name:String phoneNumber:String email:String"), {}),
    "EmailMetaData": (parse("subject:String metadata:String"), {}),
    "ChatMetaData": (parse("chatReason:String"), {}),
    "ChannelMetaData": (
        parse("inBoundTranscript:String outBoundTranscript:String"),
        {"email": "EmailMetaData", "chat": "ChatMetaData"},
    ),
    "CallbackData": (
        parse(
            "callbackRequestTime:Long callbackConnectTime:Long callbackNumber:String"
            " callbackStatus:String callbackOrigin:String callbackType:String"
            " callbackQueueName:String callbackAgentName:String callbackTeamName:String"
            " callbackRetryCount:Int"
        ),
        {},
    ),
    "Feedback": (
        parse(
            "surveyOptIn:String type:String questionsAnswered:Int surveyCompleted:Boolean"
            " questionsPresented:Int comment:String"
        ),
        {},
    ),
    "AgentBurnout": (parse("index:Float threshold:Float detectedTimeStamp:Long"), {}),
    "NextDestination": (parse(""), {"agent": "AgentEntity", "team": "Entity", "queue": "Entity"}),
}
# Object types whose filter also takes a whole-object comparison, as Cisco's samples write
# `owner: {notequals: {id: null}}` and `callbackData: {equals: {callbackNumber: "..."}}`.
COMPARABLE_OBJECTS = ("Entity", "QueueEntity", "AgentEntity", "CallbackData")

# Global variables: `<kind>GlobalVariables(name: String!) { name value }` on CSR and CLR.
GLOBAL_VARIABLE_KINDS = {
    "integerGlobalVariables": "Int",
    "stringGlobalVariables": "String",
    "longGlobalVariables": "Long",
    "doubleGlobalVariables": "Float",
    "booleanGlobalVariables": "Boolean",
}
